"""``python -m codemods`` runs the command line."""

from codemods.cli.entry import main

if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess
    main()
