"""`radar simulate` against the real ingest (uvicorn on a loopback port) and broker:
every generated event lands on its raw topic, and a re-run repeats the same ids."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from radar_cli.main import main
from radar_cli.simulate import SimulationConfig, generate
from radar_ingest.domain.auth import hash_key
from radar_ingest.main import create_app
from radar_ingest.settings import IngestSettings
from radar_runtime.local.process import free_port
from radar_runtime.testing.helpers import consume_all, isolated_settings
from radar_schemas import codec
from radar_schemas.topics import RAW_TOPICS, TOPIC_BY_TYPE

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

KEY = "rr_test_simulate_key"
CONFIG = SimulationConfig(accounts=10, days=30, seed=5, end_date=date(2025, 6, 1))
# Ingest keeps no database (it only produces), so none is started for it.
NO_DATABASE = "postgresql+asyncpg://unused@127.0.0.1:1/unused"


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """The app behind a real uvicorn on a free loopback port, in its own thread."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not (server.started and app.state.runtime.started.is_set()):
        assert thread.is_alive(), "uvicorn stopped during start-up"
        assert time.monotonic() < deadline, "ingest did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def ingest(kafka_bootstrap: str) -> Iterator[tuple[str, IngestSettings]]:
    allowed = sorted(t for t, topic in TOPIC_BY_TYPE.items() if topic in RAW_TOPICS)
    keys = [{"source": "simulator", "sha256": hash_key(KEY), "allow": allowed}]
    settings = isolated_settings(
        IngestSettings,
        kafka_bootstrap,
        NO_DATABASE,
        raw_topic_partitions=3,
        api_keys=json.dumps(keys),
    )
    with served(create_app(settings)) as url:
        yield url, settings


def simulate(url: str, key: str, truth: Path) -> int:
    return main(
        [
            "simulate",
            *("--accounts", str(CONFIG.accounts), "--days", str(CONFIG.days)),
            *("--seed", str(CONFIG.seed), "--end-date", CONFIG.end_date.isoformat()),
            *("--ingest-url", url, "--api-key", key, "--truth", str(truth)),
        ]
    )


def stored_ids(
    bootstrap: str, settings: IngestSettings, expect: Counter[str]
) -> dict[str, list[str]]:
    """Event ids on each raw topic, read until `expect[topic]` records arrived."""

    async def read() -> dict[str, list[str]]:
        found = {}
        for topic in RAW_TOPICS:
            records = await consume_all(bootstrap, settings.topic(topic), expect=expect[topic])
            found[topic] = [str(codec.decode(r.value).event_id) for r in records if r.value]
        return found

    return asyncio.run(read())


def test_every_simulated_event_lands_on_its_raw_topic_and_reruns_repeat_ids(
    ingest: tuple[str, IngestSettings], kafka_bootstrap: str, tmp_path: Path
) -> None:
    url, settings = ingest
    events = list(generate(CONFIG))
    per_topic = Counter(TOPIC_BY_TYPE[e["type"]] for e in events)
    ids = {e["event_id"] for e in events}
    assert set(per_topic) == set(RAW_TOPICS) and len(ids) == len(events)

    assert simulate(url, KEY, tmp_path / "truth.json") == 0
    stored = stored_ids(kafka_bootstrap, settings, per_topic)
    assert {topic: len(found) for topic, found in stored.items()} == dict(per_topic)
    assert {i for found in stored.values() for i in found} == ids
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert truth["events"] == len(events)

    # Same options, same ids: downstream drops the second copy as a duplicate delivery.
    assert simulate(url, KEY, tmp_path / "again.json") == 0
    twice = stored_ids(kafka_bootstrap, settings, Counter({t: 2 * n for t, n in per_topic.items()}))
    assert {topic: len(found) for topic, found in twice.items()} == {
        topic: 2 * n for topic, n in per_topic.items()
    }
    assert {i for found in twice.values() for i in found} == ids


def test_a_wrong_key_stops_at_once_with_a_clear_message(
    ingest: tuple[str, IngestSettings], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = ingest
    assert simulate(url, "rr_not_a_key", tmp_path / "truth.json") == 1
    assert "ingest refused the API key (401" in capsys.readouterr().err
