"""Keys that change without a restart, and quotas per key, on a running ingest."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from radar_ingest.domain.auth import hash_key
from radar_runtime.local.kafka import free_port
from radar_runtime.testing.fixtures import unique_name
from radar_schemas.examples import EXAMPLES

from ..keys import SLOW_KEY, bearer
from .support import Ingest, ingest_settings, running

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

OLD, NEW = "rr_test_old_key", "rr_test_new_key"


def key_file(path: Path, *keys: str) -> None:
    entries = [
        {"source": key.removeprefix("rr_test_"), "sha256": hash_key(key), "allow": ["usage."]}
        for key in keys
    ]
    # Written whole and renamed, as editors and config tools do.
    draft = path.with_suffix(".draft")
    draft.write_text(json.dumps(entries))
    draft.replace(path)


async def eventually(check: Callable[[], Any], what: str, within: float = 20) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


def usage() -> dict[str, Any]:
    return {k: v for k, v in EXAMPLES["usage.recorded"].items() if k != "event_id"}


async def status(client: httpx.AsyncClient, key: str) -> int:
    response = await client.post("/v1/events", json=usage(), headers=bearer(key))
    return response.status_code


async def test_an_edited_key_file_takes_effect_within_seconds(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    path = tmp_path / "keys.json"
    key_file(path, OLD)
    settings = ingest_settings(
        kafka_bootstrap, api_keys=None, api_keys_file=path, api_keys_reload_seconds=0.2
    )
    async with running(settings) as ingest:
        assert await status(ingest.client, OLD) == 202
        assert await status(ingest.client, NEW) == 401

        key_file(path, OLD, NEW)  # a key added
        await eventually(lambda: _is(ingest, NEW, 202), "the new key to work")

        key_file(path, NEW)  # a key revoked
        await eventually(lambda: _is(ingest, OLD, 401), "the revoked key to stop")

        path.write_text("[[keys]]\nsource = 'half-written")  # a broken file
        reloads = (
            REGISTRY.get_sample_value("radar_ingest_key_reloads_total", {"outcome": "refused"})
            or 0.0
        )
        await eventually(
            lambda: _refused_more_than(reloads), "the broken file to be read and refused"
        )
        assert await status(ingest.client, NEW) == 202  # the keys in force stay


async def _is(ingest: Ingest, key: str, expected: int) -> bool:
    return await status(ingest.client, key) == expected


async def _refused_more_than(before: float) -> bool:
    now = REGISTRY.get_sample_value("radar_ingest_key_reloads_total", {"outcome": "refused"})
    return (now or 0.0) > before


@contextmanager
def ingest_process(
    kafka_bootstrap: str, keys: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "LOG_LEVEL": "WARNING",
        "RADAR_INGEST_PORT": str(port),
        "RADAR_INGEST_TOPIC_PREFIX": f"{unique_name('sighup')}.",
        "RADAR_INGEST_RAW_TOPIC_PARTITIONS": "1",
        "RADAR_INGEST_API_KEYS_FILE": str(keys),
        # The file watch alone would take an hour: only SIGHUP can be what reloads.
        "RADAR_INGEST_API_KEYS_RELOAD_SECONDS": "3600",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "radar_ingest"], env=env, stdin=subprocess.DEVNULL
    )
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_sighup_reloads_the_key_file(kafka_bootstrap: str, tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    key_file(path, OLD)
    with ingest_process(kafka_bootstrap, path) as (url, process):
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:

            async def ready() -> bool:
                try:
                    return (await client.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(ready, "ingest to start", within=60)
            assert await status(client, NEW) == 401
            key_file(path, NEW)
            process.send_signal(signal.SIGHUP)

            async def reloaded() -> bool:
                return await status(client, NEW) == 202

            await eventually(reloaded, "the key file to be read on SIGHUP")
            assert await status(client, OLD) == 401
            assert process.poll() is None  # SIGHUP reloads; it does not stop the service


@pytest.fixture(scope="module")
async def ingest(kafka_bootstrap: str) -> AsyncIterator[Ingest]:
    async with running(ingest_settings(kafka_bootstrap)) as service:
        yield service


async def test_a_key_over_its_quota_gets_429_with_retry_after(ingest: Ingest) -> None:
    before = (
        REGISTRY.get_sample_value("radar_ingest_throttled_events_total", {"source": "slow"}) or 0.0
    )
    answers = [
        await ingest.client.post("/v1/events", json=usage(), headers=bearer(SLOW_KEY))
        for _ in range(3)
    ]
    # A burst of two, then one event every 1,000 s: the third is refused.
    assert [a.status_code for a in answers[:2]] == [202, 202]
    refused = answers[2]
    assert refused.status_code == 429
    assert 990 <= int(refused.headers["retry-after"]) <= 1001
    assert refused.json()["error"]["code"] == "rate_limited"
    assert "over its quota of 0.001 events/s" in refused.json()["error"]["message"]
    metrics = (await ingest.client.get("/metrics")).text
    assert 'radar_ingest_throttled_events_total{source="slow"}' in metrics
    after = REGISTRY.get_sample_value("radar_ingest_throttled_events_total", {"source": "slow"})
    assert after == before + 1
