"""Where the project keeps downloaded artefacts it needs to start its own servers."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_DIR_ENV = "RADAR_CACHE_DIR"


def cache_dir() -> Path:
    """`$RADAR_CACHE_DIR`, else `~/.cache/renewal-radar`; created on first use.

    Outside the work tree so jars and the like survive `git clean` and are shared by
    every checkout on the machine.
    """
    configured = os.environ.get(CACHE_DIR_ENV)
    path = Path(configured).expanduser() if configured else Path.home() / ".cache" / "renewal-radar"
    path.mkdir(parents=True, exist_ok=True)
    return path
