"""The term totals' migration and the store that reads them name the same measures."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import radar_renewals
from radar_renewals.store.totals import MEASURES

MIGRATION = (
    Path(radar_renewals.__file__).parent / "migrations" / "versions" / "c5e8a1d4f702_term_totals.py"
)


def test_the_triggers_sum_every_measure_the_readers_read():
    spec = importlib.util.spec_from_file_location("term_totals_migration", MIGRATION)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert sorted(name for name, _, _ in migration.MEASURES) == sorted(MEASURES)
