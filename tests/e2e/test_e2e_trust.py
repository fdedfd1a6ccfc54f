"""Signals people can trust, end to end: `radar simulate` posts a small simulated history
through ingest to the four services (separate processes, real broker and database), and
what people read is checked against the facts the APIs hold.

After the history settles: no open alert contradicts its renewal's state, risk or dates;
health history spans the simulated period by event time; no notified alert flapped or
was over within 10 minutes; every amount names its own currency; the report counts the
renewals API's at-risk terms; alerts name accounts and owners by name; and the backtest
command runs against this stack. The full year for 300 accounts is in `make bench`
(tests/bench/bench_quality.py).
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import sysconfig
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from radar_renewals.rules import read_rules

from .pipeline import API_KEY, NOTIFIER_RULES, Pipeline, start_pipeline, stop_pipeline

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

ACCOUNTS, DAYS, SEED = 30, 120, 11
SCRIPTS = Path(sysconfig.get_path("scripts"))
RULES = read_rules()
HELD_FROM = RULES.risk.bands.high - RULES.alerts.at_risk_hysteresis_points
OPEN_TERM_STATES = {"active", "in_window", "overdue"}
AMOUNT = re.compile(r"(?:([A-Z]{3})\s)?(\d{1,3}(?:,\d{3})+(?:\.\d+)?)")
# History arrives late by definition: the notifier holds its notices until no late
# alert event came for `settle`, so conditions already over page nobody.
TIMES = ("dedup_key", "first_raised_at", "last_raised_at", "resolved_at", "notified_at")
# And the shipped group timings (group_wait 30 s), not the pipeline's 1 s: the
# simulation's live tail posts days of CRM changes within seconds, and waiting is what
# keeps a condition raised and resolved by one burst from paging anyone.
TRUST_RULES = NOTIFIER_RULES.replace('settle = "0s"', 'settle = "10s"').replace(
    '[timings]\ngroup_wait = "1s"\ngroup_interval = "1s"\n', ""
)
assert "group_wait" not in TRUST_RULES


@pytest.fixture(scope="module")
async def pipeline(kafka_bootstrap, database_url, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("trust")
    # Health holds its verdicts while a backfill settles, as shipped (shorter here).
    health_rules = workdir / "health-trust.toml"
    health_rules.write_text("[rules]\nbackfill_settle_minutes = 1\n")
    running = await start_pipeline(
        kafka_bootstrap,
        database_url,
        workdir,
        notifier_rules=TRUST_RULES,
        extra_env={"RADAR_HEALTH_CONFIG_PATH": str(health_rules)},
    )
    yield running
    await stop_pipeline(running)


@pytest.fixture(scope="module")
async def simulated(pipeline: Pipeline, tmp_path_factory) -> dict[str, Any]:
    """The simulation posted by the real command line, and the pipeline settled on it."""
    home = tmp_path_factory.mktemp("sim")
    end = datetime.now(UTC).date()
    truth = home / "truth.json"
    command = [
        str(SCRIPTS / "radar"),
        "simulate",
        f"--accounts={ACCOUNTS}",
        f"--days={DAYS}",
        f"--seed={SEED}",
        f"--end-date={end.isoformat()}",
        f"--ingest-url={pipeline.url('ingest')}",
        f"--api-key={API_KEY}",
        f"--truth={truth}",
    ]
    done = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    await pipeline.settled(QUIET_SECONDS)
    return {"start": end - timedelta(days=DAYS), "end": end, "truth": truth}


# Nothing may move for the notifier's settle (10 s) and group wait (30 s), so what the
# history left standing has been told, plus a worker pass (5 s) for lagging gauges.
QUIET_SECONDS = 46


async def paged(pipeline: Pipeline, service: str, path: str, key: str) -> list[Any]:
    items: list[Any] = []
    cursor: str | None = None
    while True:
        join = "&" if "?" in path else "?"
        status, body = await pipeline.get(
            service, f"{path}{join}limit=500" + (f"&cursor={cursor}" if cursor else "")
        )
        assert status == 200, body
        items += body[key]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def all_terms(pipeline: Pipeline) -> dict[tuple[str, str], Any]:
    terms: dict[tuple[str, str], Any] = {}
    offset: int | None = 0
    while offset is not None:
        status, page = await pipeline.get("renewals", f"/v1/renewals?limit=500&offset={offset}")
        assert status == 200, page
        for term in page["items"]:
            terms[(term["subscription_id"], term["renewal_date"])] = term
        offset = page["next_offset"]
    return terms


async def test_open_alerts_agree_with_the_renewals_api(pipeline: Pipeline, simulated):
    today = simulated["end"]
    terms = await all_terms(pipeline)
    assert terms, "the simulation made subscriptions"
    alerts = await paged(pipeline, "notifier", "/v1/alerts", "alerts")
    open_alerts = [a for a in alerts if a["state"] != "resolved"]
    renewal_alerts = [a for a in open_alerts if a["rule"].startswith("renewal.")]
    assert renewal_alerts, "a simulated history has renewals worth an alert"
    at_risk = 0
    for alert in renewal_alerts:
        rule, subscription_id, end, *mark = alert["dedup_key"].split(":")
        term = terms[(subscription_id, end)]
        days_left = (date.fromisoformat(end) - today).days
        where = f"{alert['dedup_key']}: {term['state']}, risk {term['risk_score']}"
        if rule == "renewal.churned":
            assert term["state"] == "churned", where
            continue
        assert term["state"] in OPEN_TERM_STATES, where  # booked or lost: resolved
        if rule == "renewal.at_risk":
            at_risk += 1
            assert term["risk_score"] >= HELD_FROM and days_left <= 120, where
            assert term["risk_band"] != "low", where
        if rule == "renewal.overdue":
            assert term["state"] == "overdue" and days_left < 0, where
            assert alert["first_raised_at"] >= f"{end}T", where  # never before the due date
        if rule == "renewal.window_opened":
            assert days_left <= (30 if mark == ["sign"] else 90), where

    span = {"from": (today - timedelta(days=500)), "to": (today + timedelta(days=500))}
    query = f"from={span['from']}&to={span['to']}"
    status, forecast = await pipeline.get("renewals", f"/v1/forecast?{query}")
    assert status == 200, forecast
    assert sum(total["at_risk"]["count"] for total in forecast["totals"]) == at_risk
    async with httpx.AsyncClient(timeout=10, headers=_auth(pipeline)) as http:
        report = await http.get(f"{pipeline.url('renewals')}/v1/reports/renewals?{query}")
    assert report.status_code == 200
    assert re.search(rf"\b{at_risk} open, at risk", report.text), "the report's at-risk tile"


async def test_alerts_name_accounts_and_owners_and_amounts_carry_their_currency(
    pipeline: Pipeline, simulated
):
    terms = await all_terms(pipeline)
    currencies: dict[str, set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    for term in terms.values():
        currencies[term["account_id"]].add(term["currency"])
        names[term["account_id"]] = term["account_name"]
    alerts = await paged(pipeline, "notifier", "/v1/alerts", "alerts")
    checked, wrong = 0, []
    for alert in alerts:
        account = alert["account_id"]
        # What people read: open alerts and those anyone was told of. (A condition over
        # before its account was known stays in the history under the account's id.)
        if account not in names or (alert["state"] == "resolved" and not alert["notified_at"]):
            continue
        where = f"{alert['state']} {alert['dedup_key']}: {alert['title']}"
        if not alert["account_name"] == names[account] != account:
            wrong.append(f"{where}: named {alert['account_name']!r}")
        if not alert["owner_email"]:
            wrong.append(f"{where}: no owner")
        for code, figure in AMOUNT.findall(alert["title"]):
            if code not in currencies[account]:
                wrong.append(f"{where}: {figure} without its own currency")
        checked += 1
    assert checked, "alerts about known accounts"
    assert not wrong, f"{len(wrong)} of {checked} alerts:\n" + "\n".join(wrong[:20])

    # Every total is per currency; no amount in the report without one.
    today = simulated["end"]
    query = f"from={today - timedelta(days=500)}&to={today + timedelta(days=500)}"
    _, forecast = await pipeline.get("renewals", f"/v1/forecast?{query}")
    shown = {total["currency"] for total in forecast["totals"]}
    assert shown and None not in shown
    assert shown <= {c for cs in currencies.values() for c in cs}
    messages = [str(m.body) for m in pipeline.slack.messages] + [
        m.part("plain") for m in pipeline.smtp.messages
    ]
    for text in messages:
        assert "$" not in text, text[:300]


async def test_health_history_spans_the_simulated_period_by_event_time(
    pipeline: Pipeline, simulated
):
    start, end = simulated["start"], simulated["end"]
    terms = await all_terms(pipeline)
    accounts = sorted({term["account_id"] for term in terms.values()})
    spans = []
    for account in accounts:
        status, history = await pipeline.get(
            "health", f"/v1/accounts/{account}/health/history?days={DAYS + 5}&limit=1000"
        )
        assert status == 200, history
        days = {datetime.fromisoformat(p["at"]).date() for p in history["points"]}
        if days:
            spans.append((min(days), max(days), len(days)))
    assert len(spans) >= len(accounts) * 3 // 4, "most accounts have a health history"
    assert min(first for first, _, _ in spans) <= start + timedelta(days=7)
    assert max(last for _, last, _ in spans) >= end - timedelta(days=2)
    # By event time, a point a day: not a handful stamped when they were processed.
    for first, last, count in spans:
        if (end - first).days > 30:
            assert count >= 30 and (last - first).days >= 30, (first, last, count)


async def test_no_notified_alert_flapped(pipeline: Pipeline, simulated):
    """Loading history tells people only of conditions that hold at its end, each once:
    no condition notified in two episodes, none notified that was over within 10 minutes."""
    deliveries = await paged(pipeline, "notifier", "/v1/deliveries", "deliveries")
    assert deliveries, "the simulation's standing conditions were told"
    episodes: dict[str, set[str]] = defaultdict(set)
    brief = []
    for alert_id in {a for d in deliveries if d["status"] == "sent" for a in d["alert_ids"]}:
        status, alert = await pipeline.get("notifier", f"/v1/alerts/{alert_id}")
        assert status == 200, alert
        episodes[alert["dedup_key"]].add(alert_id)
        if alert["notified_at"] and alert["resolved_at"]:
            lasted = datetime.fromisoformat(alert["resolved_at"]) - datetime.fromisoformat(
                alert["first_raised_at"]
            )
            if lasted < timedelta(minutes=10):
                brief.append({k: alert[k] for k in TIMES})
    flapped = {key: ids for key, ids in episodes.items() if len(ids) > 1}
    print(f"notified conditions per account: {len(episodes) / ACCOUNTS:.2f}")
    assert not flapped, f"notified more than one episode: {flapped}"
    assert not brief, f"{len(brief)} notified alerts over within 10 minutes: {brief[:5]}"


async def test_backtest_command_runs_against_the_stack(pipeline: Pipeline, simulated, database_url):
    command = [
        str(SCRIPTS / "radar-renewals-backtest"),
        f"--from={simulated['start']}",
        f"--to={simulated['end']}",
        f"--truth={simulated['truth']}",
        f"--database-url={database_url}",
        f"--schema={pipeline.schema('renewals')}",
    ]
    done = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "against the outcomes observed" in done.stdout
    assert "against the simulation's outcomes" in done.stdout
    assert re.search(r"AUC", done.stdout), done.stdout
    print(done.stdout, file=sys.stderr)


def _auth(pipeline: Pipeline) -> dict[str, str]:
    return {"Authorization": f"Bearer {pipeline.admin_token}"}
