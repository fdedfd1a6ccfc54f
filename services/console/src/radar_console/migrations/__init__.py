"""The console schema's revisions (versions/), applied at start by the runtime."""

from pathlib import Path

from radar_runtime.migrations import Migrations

from ..store.tables import metadata

MIGRATIONS = Migrations("console", Path(__file__).with_name("versions"), metadata)
