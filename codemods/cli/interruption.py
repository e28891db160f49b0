"""What a run stopped by Ctrl-C says, and its exit status, wherever it was stopped: in the command line
(``codemods.cli.main``) or before it was loaded (``codemods.cli.entry``)."""

from __future__ import annotations

from typing import Final

#: The exit status of a run stopped by Ctrl-C (SIGINT), as shells report one: 128 + the signal's number;
#: and what the run says, wherever it was stopped.
EXIT_INTERRUPTED: Final = 130
INTERRUPTED: Final = "Interrupted; nothing was written."
INTERRUPTED_APPLY: Final = (
    "Interrupted. Each file is as it was or wholly migrated; run apply again to finish."
)
