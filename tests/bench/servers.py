"""One broker and one database for the whole benchmark run, shared through the same
environment variables the test fixtures read."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from radar_runtime.local.kafka import KafkaBroker, ensure_kafka_jars
from radar_runtime.local.postgres import LocalPostgres


@contextmanager
def bench_servers() -> Iterator[None]:
    started = []
    with tempfile.TemporaryDirectory(prefix="radar-bench-") as tmp:
        if not os.environ.get("RADAR_TEST_KAFKA_BOOTSTRAP"):
            ensure_kafka_jars()
            broker = KafkaBroker(Path(tmp) / "kafka", for_tests=True)
            os.environ["RADAR_TEST_KAFKA_BOOTSTRAP"] = broker.start()
            started.append(broker)
        if not os.environ.get("RADAR_TEST_DATABASE_URL"):
            database = LocalPostgres(Path(tmp) / "pg", for_tests=True)
            os.environ["RADAR_TEST_DATABASE_URL"] = database.start()
            started.append(database)
        try:
            yield
        finally:
            for server in reversed(started):
                server.stop()
