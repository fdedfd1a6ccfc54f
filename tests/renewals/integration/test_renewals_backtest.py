"""The backtest over stored history (API and command line), and fitting the calibration."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import sys
import sysconfig
import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest
from renewals_support import account, at, booking, health, running_service, subscription

from radar_renewals.cli import LOCAL_STACK_DATABASE, database_url
from radar_renewals.rules import read_rules

pytestmark = pytest.mark.integration

TODAY = date(2027, 3, 1)
TERMS = 60
ROOT = Path(__file__).resolve().parents[3]
README_COMMAND = re.compile(r"^uv run (radar-renewals-backtest [^#`\n]*?)\s*(#.*)?$", re.M)


def history() -> list:
    """60 terms due in the first half of 2026 (resolved by now: the command line judges
    outcomes as of today), one account each. Health 120 days before the renewal date
    predicts the outcome for 4 in 5 of them. After the outcome, every account's health
    flips, so a backtest that peeked past its prediction day would score backwards."""
    events = []
    for i in range(TERMS):
        acct, sub = f"acct-{i}", f"sub-{i}"
        end = date(2026, 1, 1) + timedelta(days=3 * i)
        renews = i % 2 == 0
        looks_healthy = renews if i % 5 else not renews
        events += [
            account(acct, at(date(2024, 1, 1))),
            subscription(
                acct, sub, at(end - timedelta(days=364)), start=end - timedelta(days=364), end=end
            ),
            health(
                acct,
                at(end - timedelta(days=120)),
                score=85.0 if looks_healthy else 20.0,
                band="green",
            ),
            health(acct, at(end + timedelta(days=100)), score=20.0 if renews else 95.0, band="red"),
        ]
        if renews:
            booked = end - timedelta(days=10)
            events.append(
                booking(
                    acct,
                    sub,
                    at(booked),
                    booked=booked,
                    new_arr=120_000.0,
                    new_end=end + timedelta(days=365),
                )
            )
    return events


async def test_the_backtest_scores_each_term_before_its_outcome(
    kafka_bootstrap, database_url, tmp_path
):
    events = history()
    async with running_service(kafka_bootstrap, database_url, at(TODAY)) as service:
        await service.publish(events)
        await service.wait_processed(events)

        result = await service.get("/v1/backtest", **{"from": "2026-01-01", "to": "2026-12-31"})
        assert (result["count"], result["churned"]) == (TERMS, TERMS // 2)
        # Two scores: red ranks above healthy for 24 of 30 of each outcome, the rest tie
        # or invert: AUC = 0.8 × 0.8 + ½ (0.8 × 0.2 + 0.2 × 0.8) = 0.8.
        assert result["auc"] == pytest.approx(0.8)
        # The shipped curve expects far fewer churns than this history has.
        assert 0.2 < result["brier"] < 0.4
        assert len(result["calibration"]) == 10
        assert sum(row["count"] for row in result["calibration"]) == TERMS
        assert "GET /v1/rules/quality" in result["rules_quality"]

        output = tmp_path / "calibration.toml"
        command = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "radar_renewals.cli",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--fit",
            "--output",
            str(output),
            env={
                **os.environ,
                "DATABASE_URL": database_url,
                "RADAR_RENEWALS_DB_SCHEMA": service.settings.db_schema,
            },
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        printed, errors = await asyncio.wait_for(command.communicate(), 120)
        assert command.returncode == 0, errors.decode()
        text = printed.decode()
        assert f"terms: {TERMS} (churned {TERMS // 2})" in text
        assert f"AUC: {result['auc']:.3f}" in text
        assert "the notifier's GET /v1/rules/quality" in text

    knots = tomllib.loads(output.read_text())["calibration"]["knots"]
    probabilities = [p for _, p in knots]
    assert probabilities == sorted(probabilities, reverse=True)
    assert probabilities[0] > 0.7 > 0.3 > probabilities[-1]  # healthy renews, red churns
    rules = read_rules(calibration_path=output)
    assert [list(k) for k in rules.calibration.knots] == knots


def truth_file(path: Path) -> None:
    """The outcomes the history above drew, as `radar simulate` writes them; the first
    ten terms are said to churn whatever the events say."""
    rows = []
    for i in range(TERMS):
        end = date(2026, 1, 1) + timedelta(days=3 * i)
        renews = i % 2 == 0 and i >= 10
        rows.append(
            {
                "subscription_id": f"sub-{i}",
                "term_end": end.isoformat(),
                "outcome": "renewed_on_time" if renews else "churned",
            }
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": "radar-simulation-truth/1", "accounts": rows}))


def readme_commands() -> list[list[str]]:
    """Every `uv run radar-renewals-backtest ...` line of the READMEs, as arguments."""
    found = []
    for readme in (ROOT / "README.md", ROOT / "services/renewals/README.md"):
        found += [shlex.split(m.group(1)) for m in README_COMMAND.finditer(readme.read_text())]
    return found


async def test_the_readme_backtest_commands_answer(kafka_bootstrap, database_url, tmp_path):
    commands = readme_commands()
    assert len(commands) >= 4 and any("--truth" in c for c in commands)
    truth_file(tmp_path / ".radar" / "simulation-truth.json")
    events = history()
    async with running_service(kafka_bootstrap, database_url, at(TODAY)) as service:
        await service.publish(events)
        await service.wait_processed(events)
        for name, *arguments in commands:
            # `uv run NAME` runs the workspace's script: the one installed beside python.
            script = Path(sysconfig.get_path("scripts")) / name
            command = await asyncio.create_subprocess_exec(
                str(script),
                *arguments,
                cwd=tmp_path,
                env={
                    **os.environ,
                    "DATABASE_URL": database_url,
                    "RADAR_RENEWALS_DB_SCHEMA": service.settings.db_schema,
                },
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            printed, errors = await asyncio.wait_for(command.communicate(), 120)
            shown = " ".join(arguments)
            assert command.returncode == 0, f"{shown}: {errors.decode()}"
            text = printed.decode()
            assert f"terms: {TERMS} (churned {TERMS // 2})" in text, shown
            if "--truth" in arguments:
                # The drawn outcomes differ from the events for the first ten terms.
                assert f"terms: {TERMS} (churned {TERMS // 2 + 5})" in text, shown
            if "--fit" in arguments:
                assert (tmp_path / "renewals-calibration.toml").is_file()


def test_the_database_is_the_flag_then_the_environment_then_the_local_stack() -> None:
    assert database_url("postgresql://a/b", {"DATABASE_URL": "postgresql://c/d"}) == (
        "postgresql://a/b"
    )
    assert database_url(None, {"DATABASE_URL": "postgresql://c/d"}) == "postgresql://c/d"
    assert (
        database_url(None, {})
        == LOCAL_STACK_DATABASE
        == ("postgresql+asyncpg://postgres@127.0.0.1:15432/postgres")
    )
