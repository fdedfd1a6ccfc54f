"""My book: a page of accounts from health joined with their next renewal and open
alerts, each fetched once per page for all its accounts."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SORTS = {
    "name": "Name",
    "score": "Score (low first)",
    "-score": "Score (high first)",
    "-updated": "Recently changed",
}


RISKS = ("high", "medium", "low")  # the next renewal's risk band


@dataclass(frozen=True)
class BookFilters:
    owner: str | None = None
    manager: str | None = None
    segment: str | None = None
    region: str | None = None
    band: str | None = None
    risk: str | None = None  # of the next renewal, kept from each page (health has no risk)
    name: str | None = None
    within_days: int | None = None
    sort: str = "name"

    def health_params(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "manager": self.manager,
            "segment": self.segment,
            "region": self.region,
            "band": self.band,
            "name": self.name,
            "sort": self.sort if self.sort in SORTS else "name",
        }

    def query(self) -> dict[str, str]:
        """The filters as the page's query string (for links and the CSV export)."""
        shown = {
            "owner": self.owner,
            "segment": self.segment,
            "region": self.region,
            "band": self.band,
            "risk": self.risk,
            "name": self.name,
            "within_days": None if self.within_days is None else str(self.within_days),
            "sort": self.sort,
        }
        return {key: value for key, value in shown.items() if value}

    def keep(self, rows: Iterable[BookRow]) -> list[BookRow]:
        """The rows these filters keep of a page the health API sent: the renewal's
        date and risk are the renewals API's, so they are applied here."""
        return [
            row
            for row in rows
            if (self.risk is None or row.risk_band == self.risk)
            and (
                self.within_days is None
                or (row.days_left is not None and 0 <= row.days_left <= self.within_days)
            )
        ]


@dataclass(frozen=True)
class BookRow:
    account_id: str
    name: str
    owner: str
    segment: str | None
    region: str | None
    score: float | None
    band: str | None
    source: str | None
    renewal_date: str | None
    days_left: int | None
    risk_band: str | None
    p_renew: float | None
    arr: str | None
    currency: str | None
    open_alerts: int
    trend: str = ""  # the 30-day sparkline (SVG), "" without two days of points


def next_terms(terms: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Each account's next renewal: its current term due soonest."""
    chosen: dict[str, Mapping[str, Any]] = {}
    for term in terms:
        if not term.get("is_current", True):
            continue
        account = str(term["account_id"])
        known = chosen.get(account)
        if known is None or str(term["renewal_date"]) < str(known["renewal_date"]):
            chosen[account] = term
    return chosen


def open_alert_counts(alerts: Iterable[Mapping[str, Any]]) -> Counter[str]:
    """Alerts still calling for attention (raised; not acked, snoozed or resolved)."""
    return Counter(str(alert["account_id"]) for alert in alerts if alert.get("state") == "raised")


def person_name(person: Mapping[str, Any] | None) -> str:
    if not person:
        return "—"
    return str(person.get("name") or person.get("email") or "—")


def book_rows(
    accounts: Iterable[Mapping[str, Any]],
    terms: Mapping[str, Mapping[str, Any]],
    alerts: Mapping[str, int],
    trends: Mapping[str, str] | None = None,
) -> list[BookRow]:
    rows = []
    for account in accounts:
        account_id = str(account["account_id"])
        term = terms.get(account_id) or {}
        rows.append(
            BookRow(
                account_id=account_id,
                name=str(account.get("name") or account_id),
                owner=person_name(account.get("owner")),
                segment=account.get("segment"),
                region=account.get("region"),
                score=account.get("score"),
                band=account.get("band"),
                source=account.get("source"),
                renewal_date=term.get("renewal_date"),
                days_left=term.get("days_to_renewal"),
                risk_band=term.get("risk_band"),
                p_renew=term.get("p_renew"),
                arr=term.get("arr"),
                currency=term.get("currency"),
                open_alerts=alerts.get(account_id, 0),
                trend=(trends or {}).get(account_id, ""),
            )
        )
    return rows


def days_of(text: str | None) -> int | None:
    """The "renewal within N days" box: a whole number of days from 0 to 3650, or no
    filter when empty or not such a number (a form sends every field, empty or not)."""
    if text is None or not text.strip().isdigit():
        return None
    days = int(text.strip())
    return days if days <= 3650 else None


CSV_COLUMNS = [
    "account_id",
    "name",
    "owner",
    "segment",
    "region",
    "score",
    "band",
    "renewal_date",
    "days_left",
    "risk_band",
    "p_renew",
    "arr",
    "currency",
    "open_alerts",
]


def csv_text(rows: Iterable[BookRow], header: bool = True) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(["" if getattr(row, c) is None else getattr(row, c) for c in CSV_COLUMNS])
    return out.getvalue()
