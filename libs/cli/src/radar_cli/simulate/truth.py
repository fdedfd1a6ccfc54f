"""Ground truth of a simulation: what the events were generated from, to check the risk
score and the renewal forecast against (e.g. the renewals backtest's AUC per propensity).

The file (default `.radar/simulation-truth.json`) is one JSON object:

    {
      "format": "radar-simulation-truth/1",
      "simulation": {"seed": 1, "accounts": 200, "days": 120, "end_date": "2025-06-01"},
      "window": {"start": "2025-02-01", "end": "2025-06-01"},  # events on start <= day < end
      "events": 264606,                       # events generated (posted, or written)
      "outcomes": {"renewed_early": 28, "renewed_on_time": 105, "renewed_late": 18,
                   "churned": 49},
      "observed_outcomes": {...same keys...},  # only outcomes the events already show
      "accounts": [
        {
          "account_id": "sim1-acct-0001", "subscription_id": "sub-sim1-acct-0001",
          "name": "Cedar Health Inc", "segment": "smb", "region": "amer",
          "owner": "dana.reyes@example.com",
          "churn_propensity": 0.1234,          # hidden: P(this term churns); drives signals
          "outcome": "renewed_early" | "renewed_on_time" | "renewed_late" | "churned",
          "term_start": "2024-07-16", "term_end": "2025-07-15",   # term_end = renewal date
          "booked_date": "2025-05-20" | null,  # renewal.booked `booked_at`
          "cancellation_date": "2025-06-30" | null,  # day the subscription.cancelled was sent
          "effective_date": "2025-07-15" | null,     # its effective_date (the term end)
          "outcome_known_on": "2025-05-20",    # booking, notice, or term_end + 91 days when
                                               # a churner never books (renewals' tolerance)
          "observed": true,                    # outcome_known_on < window end: in the events
          "arr_before": 12000.0, "arr_after": 12600.0,   # arr_after 0 when churned
          "seats_before": 20, "seats_after": 21,
          "signals": {                         # planned signal dates (null: none); only
            "usage_decline_from": "...",       # those inside the window are in the events
            "usage_decline_depth": 0.62,
            "engagement_silent_from": "...",
            "champion_left_on": "...", "champion_replaced_on": "...",
            "exec_sponsor_left_on": "..."
          }
        }, ...
      ]
    }

Outcome timing follows the renewals service's defaults for booking B and term end E:
early B < E−30; on time E−30 <= B <= E+7; late E+7 < B <= E+90; churned otherwise.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from .accounts import CHURNED, RENEWED_EARLY, RENEWED_LATE, RENEWED_ON_TIME, Account, Window

FORMAT = "radar-simulation-truth/1"
OUTCOMES = (RENEWED_EARLY, RENEWED_ON_TIME, RENEWED_LATE, CHURNED)


def build_truth(
    accounts: list[Account], *, seed: int, window: Window, events: int
) -> dict[str, Any]:
    rows = [account_truth(account, window) for account in accounts]
    outcomes = Counter(row["outcome"] for row in rows)
    observed = Counter(row["outcome"] for row in rows if row["observed"])
    return {
        "format": FORMAT,
        "simulation": {
            "seed": seed,
            "accounts": len(accounts),
            "days": window.days,
            "end_date": window.end_date.isoformat(),
        },
        "window": {"start": window.start_date.isoformat(), "end": window.end_date.isoformat()},
        "events": events,
        "outcomes": {name: outcomes[name] for name in OUTCOMES},
        "observed_outcomes": {name: observed[name] for name in OUTCOMES},
        "accounts": rows,
    }


def account_truth(account: Account, window: Window) -> dict[str, Any]:
    profile, fate = account.profile, account.fate
    return {
        "account_id": profile.account_id,
        "subscription_id": profile.subscription_id,
        "name": profile.name,
        "segment": profile.segment,
        "region": profile.region,
        "owner": profile.owner.email,
        "churn_propensity": fate.propensity,
        "outcome": fate.outcome,
        "term_start": profile.term_start.isoformat(),
        "term_end": profile.term_end.isoformat(),
        "booked_date": _day(fate.booked_on),
        "cancellation_date": _day(fate.cancelled_on),
        "effective_date": _day(profile.term_end if fate.cancelled_on else None),
        "outcome_known_on": account.known_on.isoformat(),
        "observed": account.known_on < window.end_date,
        "arr_before": profile.arr,
        "arr_after": fate.new_arr,
        "seats_before": profile.seats,
        "seats_after": fate.new_seats,
        "signals": {
            "usage_decline_from": _day(fate.decline_from),
            "usage_decline_depth": round(fate.decline_depth, 3),
            "engagement_silent_from": _day(fate.silent_from),
            "champion_left_on": _day(fate.champion_leaves_on),
            "champion_replaced_on": _day(fate.champion_replaced_on),
            "exec_sponsor_left_on": _day(fate.sponsor_leaves_on),
        },
    }


def write_truth(path: Path, truth: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    temporary.replace(path)  # a reader never sees half a file


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
