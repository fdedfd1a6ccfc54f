"""The CRM's side of one account, planned up front from its fate: set-up, contact changes,
the renewal opportunity's stages, and the booking or the cancellation. Pure."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from .accounts import CHURN_TOLERANCE_DAYS, RENEWED_LATE, Account, Window, year_after
from .draws import at_work, day_start
from .roster import CANCEL_REASONS, contact_person

Planned = tuple[int, str, dict[str, Any]]  # (instant, type, payload)
# Stages the renewals service knows (stage_progress); forecast categories per stage.
DISCOVERY, PROPOSAL, NEGOTIATION = "Discovery", "Proposal", "Negotiation"
WON, LOST = "Closed Won", "Closed Lost"


def crm_events(account: Account, window: Window, rng: random.Random) -> Iterator[Planned]:
    yield from _set_up(account, window, rng)
    yield from _contact_changes(account, rng)
    yield from _opportunity(account, window, rng)
    yield from _outcome(account, rng)


def _set_up(account: Account, window: Window, rng: random.Random) -> Iterator[Planned]:
    """Day 0, first hour: the account, its term and its people, as a CRM sync would."""
    p = account.profile
    base = day_start(window.start_date)

    def early(minute: int) -> int:
        return base + minute * 60 + rng.randint(0, 59)

    yield (
        early(1),
        "account.upserted",
        {
            "name": p.name,
            "segment": p.segment,
            "region": p.region,
            "industry": p.industry,
            "owner": p.owner.payload(),
            "manager": p.manager.payload(),
        },
    )
    yield (
        early(2),
        "subscription.upserted",
        _term(account, p.term_start, p.term_end, p.arr, p.seats),
    )
    for n, (contact_id, role) in enumerate(p.contacts):
        yield (early(3 + n), "contact.changed", _change(contact_id, role, "joined", p.name))
    # Product analytics identifies the people who use the product, by name.
    for n, (contact_id, _) in enumerate(p.contacts):
        yield (early(30 + n), "contact.identified", _identified(contact_id, p.name))


def _term(account: Account, start: date, end: date, arr: float, seats: int) -> dict[str, Any]:
    p = account.profile
    return {
        "subscription_id": p.subscription_id,
        "plan": p.plan,
        "seats": seats,
        "arr": float(arr),
        "currency": p.currency,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "auto_renew": p.auto_renew,
    }


def _contact_changes(account: Account, rng: random.Random) -> Iterator[Planned]:
    p, fate = account.profile, account.fate
    region = p.region
    if fate.champion_leaves_on is not None:
        champion = p.contacts[0][0]
        yield (
            at_work(rng, fate.champion_leaves_on, region),
            "contact.changed",
            _change(champion, "champion", "left", p.name),
        )
    if fate.champion_replaced_on is not None:
        yield (
            at_work(rng, fate.champion_replaced_on, region),
            "contact.changed",
            _change(replacement_champion(account), "champion", "joined", p.name),
        )
    if fate.sponsor_leaves_on is not None:
        sponsor = p.contacts[1][0]
        yield (
            at_work(rng, fate.sponsor_leaves_on, region),
            "contact.changed",
            _change(sponsor, "exec_sponsor", "left", p.name),
        )


def replacement_champion(account: Account) -> str:
    return account.profile.contact_id(len(account.profile.contacts) + 1)


def _change(contact_id: str, role: str, change: str, company: str) -> dict[str, Any]:
    """The CRM knows its contacts by name."""
    return {"contact_id": contact_id, "role": role, "change": change} | _identified(
        contact_id, company
    )


def _identified(contact_id: str, company: str) -> dict[str, Any]:
    person = contact_person(contact_id, company)
    return {"contact_id": contact_id, "name": person.name, "email": person.email}


def _opportunity(account: Account, window: Window, rng: random.Random) -> Iterator[Planned]:
    """Stages move with the fate: renewals reach commit, churners stall and are lost,
    late renewals slip their close date. Nothing after the outcome but its close."""
    p, fate = account.profile, account.fate
    if p.auto_renew:
        return  # auto-renewing terms run without a renewal deal in the CRM
    end = p.term_end
    steps: list[tuple[date, str, str, date, float]] = [
        (end - timedelta(days=120), DISCOVERY, "pipeline", end, p.arr),
        (
            end - timedelta(days=75),
            PROPOSAL,
            "best_case" if not fate.churned else "pipeline",
            end,
            p.arr,
        ),
    ]
    if fate.churned:
        steps.append((end - timedelta(days=40), PROPOSAL, "pipeline", end, p.arr))
        lost_on = fate.cancelled_on or end + timedelta(days=rng.randint(20, CHURN_TOLERANCE_DAYS))
        steps.append((lost_on, LOST, "omitted", lost_on, p.arr))
    else:
        booked = fate.booked_on
        assert booked is not None
        late = fate.outcome == RENEWED_LATE
        steps.append(
            (
                end - timedelta(days=40),
                NEGOTIATION,
                "best_case" if late else "commit",
                end,
                fate.new_arr,
            )
        )
        if late:
            steps.append((end + timedelta(days=7), NEGOTIATION, "best_case", booked, fate.new_arr))
        steps.append((booked, WON, "closed", booked, fate.new_arr))
    closing = steps[-1][0]
    first = window.start_date + timedelta(days=1)
    # The deal as it stood when the window opened, then every later step to its close.
    # (A deal closing on the window's first day shows only its close: same-day edits
    # would race on their times.)
    before = [step for step in steps[:-1] if step[0] <= first < closing]
    later = [step for step in steps[:-1] if first < step[0] < closing]
    shown = ([before[-1]] if before else []) + later + [steps[-1]]
    for day, stage, category, close, amount in shown:
        yield (
            at_work(rng, max(day, first), p.region),
            "renewal.opportunity_updated",
            {
                "opportunity_id": f"opp-{p.account_id}-{end.year}",
                "subscription_id": p.subscription_id,
                "stage": stage,
                "forecast_category": category,
                "close_date": close.isoformat(),
                "amount": float(amount),
            },
        )


def _outcome(account: Account, rng: random.Random) -> Iterator[Planned]:
    p, fate = account.profile, account.fate
    if fate.booked_on is not None:
        booked_at = at_work(rng, fate.booked_on, p.region)
        new_end = year_after(p.term_end)
        yield (
            booked_at,
            "renewal.booked",
            {
                "subscription_id": p.subscription_id,
                "booked_at": fate.booked_on.isoformat(),
                "new_arr": float(fate.new_arr),
                "new_end_date": new_end.isoformat(),
            },
        )
        # The CRM then shows the next term, with the seats and ARR just signed.
        next_start = p.term_end + timedelta(days=1)
        yield (
            booked_at + 120,
            "subscription.upserted",
            _term(account, next_start, new_end, fate.new_arr, fate.new_seats),
        )
    if fate.cancelled_on is not None:
        yield (
            at_work(rng, fate.cancelled_on, p.region),
            "subscription.cancelled",
            {
                "subscription_id": p.subscription_id,
                "effective_date": p.term_end.isoformat(),
                "reason": rng.choice(CANCEL_REASONS),
            },
        )
