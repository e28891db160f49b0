"""The engine: files, processes, discovery, atomic writes, the repository index; never raises for one file."""
