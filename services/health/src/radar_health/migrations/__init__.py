"""The health schema's revisions (versions/), applied at start by the runtime."""

from pathlib import Path

from radar_runtime.migrations import Migrations

from ..store.tables import health_metadata

MIGRATIONS = Migrations("health", Path(__file__).with_name("versions"), health_metadata)
