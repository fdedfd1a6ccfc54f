"""The account's timeline: health's logged CRM and support events and renewals'
opportunity edits, merged newest first, each in a sentence naming people by name and
amounts in their currency.

Paging merges two keyset-paged lists: each page asks both for `limit` items after their
own cursors and keeps the newest `limit` of them; a list continues after the last item
kept from it (each item carries the cursor that continues after it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .formats import money

END = "end"  # a list with nothing more to give


@dataclass(frozen=True)
class Entry:
    at: str
    kind: str  # what kind of fact, e.g. "Ticket", "NPS", "Opportunity"
    text: str
    source: str  # "health" or "renewals"
    cursor: str  # continues its list after this entry


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    health_cursor: str  # "" (from the newest), a cursor, or END
    renewals_cursor: str

    @property
    def more(self) -> bool:
        return self.health_cursor != END or self.renewals_cursor != END


def contact_name(event: Mapping[str, Any]) -> str:
    contact = event.get("contact") or {}
    return str(contact.get("name") or contact.get("email") or f"contact {contact['contact_id']}")


def _ticket(verb: str, p: Mapping[str, Any]) -> str:
    flags = ", escalated" if p.get("escalated") else ""
    subject = f": {p['subject']}" if p.get("subject") else ""
    return (
        f"Ticket {p['ticket_id']} {verb} ({p['priority']} priority, {p['status']}{flags}){subject}"
    )


def event_text(event: Mapping[str, Any]) -> tuple[str, str]:
    """(kind, sentence) for one of health's logged events."""
    kind, p, currency = event["type"], event["payload"], event.get("currency")
    if kind.startswith("ticket."):
        return "Ticket", _ticket(kind.removeprefix("ticket."), p)
    if kind == "nps.submitted":
        comment = f" — “{p['comment']}”" if p.get("comment") else ""
        return "NPS", f"NPS {p['score']} from {contact_name(event)}{comment}"
    if kind == "csat.submitted":
        return "CSAT", f"CSAT {p['score']}/5 on ticket {p['ticket_id']}"
    if kind == "engagement.logged":
        who = f" with {contact_name(event)}" if event.get("contact") else ""
        return "Engagement", f"{str(p['kind']).replace('_', ' ').capitalize()}{who}"
    if kind == "contact.changed":
        role = str(p["role"]).replace("_", " ")
        return "Contact", f"{contact_name(event)} ({role}) {p['change']}"
    if kind == "account.upserted":
        owner = (p.get("owner") or {}).get("name") or "—"
        return "Profile", f"{p['name']}: {p['segment']}, {p['region']}, owner {owner}"
    if kind == "subscription.upserted":
        return "Subscription", (
            f"Subscription {p['subscription_id']}: {p['plan']}, {p['seats']} seats, "
            f"{money(p['arr'], currency)} ARR, {p['start_date']} to {p['end_date']}"
        )
    if kind == "renewal.booked":
        return "Subscription", (
            f"Renewal of {p['subscription_id']} booked on {p['booked_at']}: "
            f"{money(p['new_arr'], currency)} ARR to {p['new_end_date']}"
        )
    if kind == "subscription.cancelled":
        return "Subscription", (
            f"Subscription {p['subscription_id']} cancelled from {p['effective_date']}: "
            f"{p['reason']}"
        )
    return kind, kind


def opportunity_text(item: Mapping[str, Any]) -> str:
    category = str(item["forecast_category"]).replace("_", " ")
    return (
        f"Opportunity {item['opportunity_id']} ({item['subscription_id']}): {item['stage']}, "
        f"{category}, {money(item['amount'], item.get('currency'))}, closes {item['close_date']}"
    )


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def merge(
    health: Mapping[str, Any] | None,
    renewals: Mapping[str, Any] | None,
    health_cursor: str,
    renewals_cursor: str,
    limit: int,
) -> Page:
    """One page of the merged timeline from a page of each list (None: that list has
    ended and was not asked)."""
    entries: list[Entry] = []
    for event in (health or {}).get("events", []):
        kind, text = event_text(event)
        entries.append(Entry(event["occurred_at"], kind, text, "health", event["cursor"]))
    for item in (renewals or {}).get("items", []):
        text = opportunity_text(item)
        entries.append(Entry(item["occurred_at"], "Opportunity", text, "renewals", item["cursor"]))
    entries.sort(key=lambda entry: _instant(entry.at), reverse=True)
    kept = entries[:limit]
    return Page(
        kept,
        _continue(health, kept, "health", health_cursor),
        _continue(renewals, kept, "renewals", renewals_cursor),
    )


def _continue(
    page: Mapping[str, Any] | None, kept: Sequence[Entry], source: str, cursor: str
) -> str:
    if page is None:
        return END
    fetched = len(page.get("events", page.get("items", [])))
    mine = [entry for entry in kept if entry.source == source]
    if len(mine) == fetched:  # all of it shown: on from where the list said
        return str(page.get("next_cursor") or END)
    return mine[-1].cursor if mine else cursor
