"""The results: frozen types that cross processes and layers."""
