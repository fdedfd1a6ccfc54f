"""The ground truth agrees with the events, and the subcommand's dry run writes both."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from radar_cli.main import main
from radar_cli.simulate import SimulationConfig, generate
from radar_cli.simulate.cli import resolve_api_key
from radar_cli.simulate.truth import build_truth

END = date(2025, 6, 1)


@pytest.fixture(scope="module")
def simulated() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    # Long enough that many terms end, and are booked or cancelled, inside the window.
    config = SimulationConfig(accounts=40, days=200, seed=11, end_date=END)
    accounts = config.accounts_list()
    events = list(generate(config, accounts))
    return build_truth(accounts, seed=11, window=config.window, events=len(events)), events


def test_the_truth_lists_exactly_the_bookings_and_cancellations_sent(simulated: Any) -> None:
    truth, events = simulated
    booked = {
        e["payload"]["subscription_id"]: e["payload"]
        for e in events
        if e["type"] == "renewal.booked"
    }
    cancelled = {
        e["payload"]["subscription_id"]: (e["occurred_at"][:10], e["payload"])
        for e in events
        if e["type"] == "subscription.cancelled"
    }
    rows = {row["subscription_id"]: row for row in truth["accounts"]}
    assert len(booked) + len(cancelled) >= 20  # the window holds plenty of outcomes

    expected_bookings = {s for s, r in rows.items() if r["booked_date"] and r["observed"]}
    assert booked.keys() == expected_bookings
    for subscription_id, payload in booked.items():
        row = rows[subscription_id]
        assert row["outcome"].startswith("renewed_")
        assert payload["booked_at"] == row["booked_date"]
        assert payload["new_arr"] == row["arr_after"]

    expected_cancellations = {
        s for s, r in rows.items() if r["cancellation_date"] and r["observed"]
    }
    assert cancelled.keys() == expected_cancellations
    for subscription_id, (sent_on, payload) in cancelled.items():
        row = rows[subscription_id]
        assert row["outcome"] == "churned" and row["arr_after"] == 0
        assert sent_on == row["cancellation_date"]
        assert payload["effective_date"] == row["effective_date"] == row["term_end"]


def test_outcome_timing_matches_the_renewal_rules(simulated: Any) -> None:
    truth, _ = simulated
    for row in truth["accounts"]:
        end = date.fromisoformat(row["term_end"])
        if row["outcome"] == "churned":
            assert row["booked_date"] is None
            continue
        days = (date.fromisoformat(row["booked_date"]) - end).days
        low, high = {"renewed_early": (-400, -31), "renewed_on_time": (-30, 7)}.get(
            row["outcome"], (8, 90)
        )
        assert low <= days <= high, row
    assert sum(truth["outcomes"].values()) == truth["simulation"]["accounts"] == 40
    assert set(truth["outcomes"]) == {
        "renewed_early",
        "renewed_on_time",
        "renewed_late",
        "churned",
    }


def test_dry_run_writes_events_and_truth(tmp_path: Path) -> None:
    out, truth_path = tmp_path / "events.jsonl", tmp_path / "truth.json"
    argv = ["simulate", "--accounts", "4", "--days", "10", "--seed", "3"]
    argv += ["--end-date", "2025-01-31", "--dry-run", str(out), "--truth", str(truth_path)]
    assert main(argv) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines == list(generate(SimulationConfig(4, 10, 3, date(2025, 1, 31))))
    truth = json.loads(truth_path.read_text())
    assert truth["events"] == len(lines)
    assert truth["window"] == {"start": "2025-01-21", "end": "2025-01-31"}
    assert [row["account_id"] for row in truth["accounts"]] == [
        f"sim3-acct-000{n}" for n in range(1, 5)
    ]


def test_an_end_date_in_the_future_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    assert main(["simulate", "--end-date", tomorrow, "--dry-run"]) == 1
    assert "may not be in the future" in capsys.readouterr().err


def test_the_api_key_comes_from_the_flag_the_environment_or_the_demo_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RADAR_API_KEY", raising=False)
    assert resolve_api_key(None, tmp_path) is None
    (tmp_path / "demo-api-key").write_text("radar_demo_abc\n")
    assert resolve_api_key(None, tmp_path) == "radar_demo_abc"
    monkeypatch.setenv("RADAR_API_KEY", "from_env")
    assert resolve_api_key(None, tmp_path) == "from_env"
    assert resolve_api_key("from_flag", tmp_path) == "from_flag"


def test_posting_without_any_key_says_where_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("RADAR_API_KEY", raising=False)
    monkeypatch.setenv("RADAR_HOME", str(tmp_path))
    argv = ["simulate", "--accounts", "1", "--days", "1", "--truth", str(tmp_path / "t.json")]
    assert main(argv) == 1
    assert "no API key" in capsys.readouterr().err
