"""The backtest over stored history (API and command line), and fitting the calibration."""

from __future__ import annotations

import asyncio
import os
import sys
import tomllib
from datetime import date, timedelta

import pytest
from renewals_support import account, at, booking, health, running_service, subscription

from radar_renewals.rules import read_rules

pytestmark = pytest.mark.integration

TODAY = date(2026, 3, 1)
TERMS = 60


def history() -> list:
    """60 terms due in 2025, one account each. Health 120 days before the renewal date
    predicts the outcome for 4 in 5 of them. After the outcome, every account's health
    flips, so a backtest that peeked past its prediction day would score backwards."""
    events = []
    for i in range(TERMS):
        acct, sub = f"acct-{i}", f"sub-{i}"
        end = date(2025, 1, 31) + timedelta(days=5 * i)
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

        result = await service.get("/v1/backtest", **{"from": "2025-01-01", "to": "2025-12-31"})
        assert (result["count"], result["churned"]) == (TERMS, TERMS // 2)
        # Two scores: red ranks above healthy for 24 of 30 of each outcome, the rest tie
        # or invert: AUC = 0.8 × 0.8 + ½ (0.8 × 0.2 + 0.2 × 0.8) = 0.8.
        assert result["auc"] == pytest.approx(0.8)
        # The shipped curve expects far fewer churns than this history has.
        assert 0.2 < result["brier"] < 0.4
        assert len(result["calibration"]) == 10
        assert sum(row["count"] for row in result["calibration"]) == TERMS

        output = tmp_path / "calibration.toml"
        command = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "radar_renewals.cli",
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
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

    knots = tomllib.loads(output.read_text())["calibration"]["knots"]
    probabilities = [p for _, p in knots]
    assert probabilities == sorted(probabilities, reverse=True)
    assert probabilities[0] > 0.7 > 0.3 > probabilities[-1]  # healthy renews, red churns
    rules = read_rules(calibration_path=output)
    assert [list(k) for k in rules.calibration.knots] == knots
