"""`radar import` of a 100,000-row Salesforce contract export through a running ingest,
beside the batch API's own rate for the same events, measured in the same run.

- checking alone: reading, converting and validating every row (no network);
- end to end: what a user waits for, `radar import` from the file to the last 202;
- the batch API: the same events, already encoded, posted by the same client.

Alone: `uv run python -m tests.bench import`.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from radar_cli.importing import cli
from radar_cli.importing.mappings import load
from radar_cli.post import Poster, make_batches
from radar_runtime.kafka import ensure_topics
from radar_schemas.topics import RAW_TOPICS

from .bench_ingest import KEY, PARTITIONS, bootstrap, ingest_process, row, wait_ready
from .exports import contracts_csv

ROWS = 100_000
END_TO_END_TARGET = 5_000  # rows/s: 100,000 rows within 20 s


def import_args(path: Path, url: str, state: Path) -> argparse.Namespace:
    argv = ["subscriptions", str(path), "--ingest-url", url, "--api-key", KEY]
    return cli.parse([*argv, "--state-dir", str(state), "--restart"], state)


async def batch_api_rate(url: str, events: list[dict[str, Any]]) -> float:
    batches = list(make_batches(events))
    started = time.perf_counter()
    result = await Poster(url, KEY, 4).post(batches)
    elapsed = time.perf_counter() - started
    if result.accepted != len(events):
        raise RuntimeError(f"the batch API took {result.accepted} of {len(events)} events")
    return len(events) / elapsed


def measure() -> list[dict[str, Any]]:
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    asyncio.run(ensure_topics(bootstrap(), {f"{prefix}{t}": PARTITIONS for t in RAW_TOPICS}))
    with tempfile.TemporaryDirectory(prefix="radar-bench-import-") as tmp:
        path = Path(tmp) / "contracts.csv"
        path.write_bytes(contracts_csv(ROWS))
        started = time.perf_counter()
        checked = cli.check(
            path.read_bytes(), "subscriptions", load("salesforce"), "csv", datetime.now(UTC)
        )
        check_rate = ROWS / (time.perf_counter() - started)
        if checked.problems or len(checked.events) != ROWS:
            raise RuntimeError(f"the export did not check clean: {checked.problems[:3]}")
        # Other ids than the import's, so the batch API's run is not all duplicates.
        for event in checked.events:
            event["event_id"] = str(uuid.uuid4())

        with ingest_process(prefix, allow=["subscription."]) as (url, _pid):
            asyncio.run(_ready(url))
            api_rate = asyncio.run(batch_api_rate(url, checked.events))
            started = time.perf_counter()
            code = cli.run(import_args(path, url, Path(tmp) / "state"), Path(tmp))
            end_to_end = ROWS / (time.perf_counter() - started)
            if code != 0:
                raise RuntimeError("radar import did not finish cleanly")

    share = 100 * end_to_end / api_rate
    return [
        row("import: the same events straight to the batch API", api_rate, "events/s", "reference"),
        row("import: checking 100,000 rows (read, convert, validate)", check_rate, "rows/s"),
        row(
            "import: 100,000-row export end to end",
            end_to_end,
            "rows/s",
            f">= {END_TO_END_TARGET:,}",
            end_to_end >= END_TO_END_TARGET,
        ),
        row("import: end to end / batch API", share, "%"),
    ]


async def _ready(url: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        await wait_ready(client)


def run() -> list[dict[str, Any]]:
    return measure()
