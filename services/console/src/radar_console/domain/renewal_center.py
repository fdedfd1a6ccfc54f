"""The renewal center: which renewal dates a month or quarter covers, the filters a
person may set, and a manager call's form read into the renewals API's body."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

Period = Literal["month", "quarter"]
CALL_CATEGORIES = {
    "commit": "Commit",
    "best_case": "Best case",
    "at_risk": "At risk",
    "omitted": "Omitted",
}
FILTERS = ("segment", "region", "owner", "state", "risk_band")


@dataclass(frozen=True, slots=True)
class Window:
    start: date
    end: date
    label: str


def window(today: date, period: Period, offset: int = 0) -> Window:
    """The month or quarter `offset` periods after today's (negative: before)."""
    size = 3 if period == "quarter" else 1
    first_month = (today.month - 1) // size * size  # 0-based month the period starts in
    index = today.year * 12 + first_month + offset * size
    start = date(index // 12, index % 12 + 1, 1)
    after = index + size
    end = date(after // 12, after % 12 + 1, 1) - timedelta(days=1)
    if period == "quarter":
        label = f"{start.year}-Q{start.month // 3 + 1}"
    else:
        label = f"{start.year}-{start.month:02d}"
    return Window(start, end, label)


class CallError(ValueError):
    """A manager call form the renewals API would refuse; the message names the field."""


def call_body(form: Mapping[str, str]) -> dict[str, Any]:
    """The PUT /v1/renewals/{id}/call body from the row's form fields."""
    category = form.get("category", "")
    if category not in CALL_CATEGORIES:
        raise CallError("choose a category: commit, best case, at risk or omitted")
    next_step = form.get("next_step", "").strip()
    if not next_step:
        raise CallError("write the next step")
    try:
        when = date.fromisoformat(form.get("next_step_date", ""))
    except ValueError:
        raise CallError("give the next step a date (YYYY-MM-DD)") from None
    body: dict[str, Any] = {
        "category": category,
        "next_step": next_step,
        "next_step_date": when.isoformat(),
        "note": form.get("note", "").strip(),
    }
    if form.get("renewal_date"):
        body["renewal_date"] = form["renewal_date"]
    return body
