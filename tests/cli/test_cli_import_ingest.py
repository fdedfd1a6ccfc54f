"""`radar import` against the real ingest and broker: the records land on the CRM topic,
a re-import repeats the same ids, and an interrupted import resumes where it stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from bench.exports import contracts_csv
from ingest.integration.support import ingest_settings, make_app, records_by_id, served
from ingest.keys import ANALYTICS_KEY

from radar_cli.importing import cli
from radar_cli.importing.mappings import load
from radar_cli.main import main
from radar_schemas import codec
from radar_schemas.topics import CRM

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

FIXTURES = Path(__file__).parent / "fixtures" / "import"


@pytest.fixture(scope="module")
def ingest(kafka_bootstrap: str) -> Iterator[tuple[str, Any]]:
    settings = ingest_settings(kafka_bootstrap)
    with served(make_app(settings)) as url:
        yield url, settings


def imported(url: str, kind: str, path: Path, home: Path, *extra: str) -> int:
    target = ("--ingest-url", url, "--api-key", ANALYTICS_KEY, "--state-dir", str(home))
    return main(["import", kind, str(path), *target, *extra])


def event_ids(path: Path) -> list[str]:
    now = datetime.now(UTC)
    checked = cli.check(path.read_bytes(), "subscriptions", load("salesforce"), "csv", now)
    return [e["event_id"] for e in checked.events]


async def test_an_export_lands_on_the_crm_topic_and_posts_again_with_the_same_ids(
    ingest: tuple[str, Any],
    kafka_bootstrap: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, settings = ingest
    path = FIXTURES / "salesforce_contracts.csv"
    code = await asyncio.to_thread(imported, url, "subscriptions", path, tmp_path)
    out = capsys.readouterr().err
    assert code == 1  # four rows were invalid, and said so
    assert "imported 2 subscriptions of 6 rows" in out
    assert 'line 4, column "Seats__c": must be a whole number' in out

    checked = cli.check(
        path.read_bytes(), "subscriptions", cli.load("salesforce"), "csv", cli.datetime.now(cli.UTC)
    )
    ids = [e["event_id"] for e in checked.events]
    found = await records_by_id(kafka_bootstrap, settings.topic(CRM), ids)
    assert found.keys() == set(ids)
    stored = codec.decode(found[ids[0]].value)  # type: ignore[arg-type]
    assert stored.type == "subscription.upserted"
    assert stored.source == "analytics"
    assert stored.payload.model_dump()["arr"] == 120000.0  # type: ignore[union-attr]

    # Posted again from scratch: the same ids, so nothing changes downstream.
    again = await asyncio.to_thread(imported, url, "subscriptions", path, tmp_path, "--restart")
    assert again == 1
    assert "imported 2 subscriptions" in capsys.readouterr().err


class DropsAfter(httpx.AsyncBaseTransport):
    """The real network, until the connection drops for good after `ok` requests."""

    def __init__(self, ok: int) -> None:
        self.ok = ok
        self.sent = 0
        self.real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.sent >= self.ok:
            raise httpx.ConnectError("the network went away", request=request)
        self.sent += 1
        return await self.real.handle_async_request(request)


def run_import(url: str, path: Path, state: Path, transport: httpx.AsyncBaseTransport) -> int:
    argv = ["subscriptions", str(path), "--ingest-url", url, "--api-key", ANALYTICS_KEY]
    args = cli.parse([*argv, "--state-dir", str(state), "--concurrency", "1"], state)
    args.give_up_after = 0.5  # a dropped network is given up on at once
    return cli.run(args, state, transport=transport)


async def test_an_interrupted_import_resumes_where_it_stopped(
    ingest: tuple[str, Any],
    kafka_bootstrap: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, settings = ingest
    path = tmp_path / "contracts.csv"
    path.write_bytes(contracts_csv(5_500, modified="2025-07-01"))  # six batches of 1,000

    dropping = DropsAfter(ok=3)
    assert await asyncio.to_thread(run_import, url, path, tmp_path, dropping) == 1
    assert "3 of 6 batches are stored" in capsys.readouterr().err

    counting = DropsAfter(ok=100)
    assert await asyncio.to_thread(run_import, url, path, tmp_path, counting) == 0
    report = capsys.readouterr().err
    assert "resuming: 3 of 6 batches were stored by an earlier run" in report
    assert counting.sent == 3  # only what was left
    assert "imported 2,500 subscriptions of 5,500 rows" in report

    checked = cli.check(
        path.read_bytes(), "subscriptions", cli.load("salesforce"), "csv", cli.datetime.now(cli.UTC)
    )
    ids = [e["event_id"] for e in checked.events]
    found = await records_by_id(kafka_bootstrap, settings.topic(CRM), ids, within=60)
    assert len(found) == 5_500

    # Finished: nothing is left to post.
    idle = DropsAfter(ok=100)
    assert await asyncio.to_thread(run_import, url, path, tmp_path, idle) == 0
    assert idle.sent == 0
