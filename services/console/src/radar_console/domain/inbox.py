"""The alerts inbox: open alerts ordered by severity then age, and what a bulk action did
to each alert (the console posts one request per alert and reports every outcome)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
ACTIONS = ("ack", "snooze", "not_useful")
REASONS = ("wrong", "already_known", "not_actionable", "other")


@dataclass(frozen=True, slots=True)
class InboxRow:
    alert: Mapping[str, Any]
    age_days: int  # since the current episode was first raised


def inbox_rows(alerts: Iterable[Mapping[str, Any]], now: datetime) -> list[InboxRow]:
    """Most severe first; within a severity, the oldest first (it has waited longest)."""
    rows = [InboxRow(alert, _age_days(alert, now)) for alert in alerts]
    return sorted(
        rows,
        key=lambda row: (
            SEVERITY_ORDER.get(str(row.alert.get("severity")), len(SEVERITY_ORDER)),
            -row.age_days,
            str(row.alert.get("alert_id")),
        ),
    )


def severity_counts(rows: Sequence[InboxRow]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        severity = str(row.alert.get("severity"))
        counts[severity] = counts.get(severity, 0) + 1
    return counts


@dataclass(frozen=True, slots=True)
class Outcome:
    alert_id: str
    ok: bool
    message: str


def summary(outcomes: Sequence[Outcome]) -> str:
    done = sum(1 for outcome in outcomes if outcome.ok)
    failed = len(outcomes) - done
    return f"{done} done" + (f", {failed} refused" if failed else "")


def _age_days(alert: Mapping[str, Any], now: datetime) -> int:
    raised = alert.get("first_raised_at") or alert.get("last_raised_at")
    if not raised:
        return 0
    try:
        at = datetime.fromisoformat(str(raised))
    except ValueError:
        return 0
    if at.tzinfo is None or now.tzinfo is None:
        return 0
    return max((now - at).days, 0)
