"""One account's day: product usage, support tickets, surveys and engagement. Pure.

How much of each happens is driven by the hidden fate: usage follows a yearly trend that
is worse the higher the propensity, and a churner's usage falls towards its term end;
churners also go silent, answer surveys as detractors and open more, and more escalated,
tickets. Follow-ups (ticket updates, closes, CSAT) are scheduled for later days.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from .accounts import Account, Window
from .crm import replacement_champion
from .draws import DAY, HOUR, at_work, binomial, clamp, day_start, poisson, weighted
from .roster import NPS_COMMENTS, TICKET_SUBJECTS

Schedule = Callable[[int, str, dict[str, Any]], None]  # (instant, type, payload)

# Share of the active pool that uses the product on a weekday / weekend day.
DAILY_ACTIVE = {True: 0.35, False: 0.05}
TICKETS_PER_WEEKDAY = {"smb": 0.03, "mid_market": 0.07, "enterprise": 0.14}
ENGAGEMENTS_PER_WEEKDAY = {"smb": 0.05, "mid_market": 0.1, "enterprise": 0.2}
RESOLUTION_HOURS = {"urgent": (4, 48), "high": (12, 96), "normal": (24, 144), "low": (48, 240)}
SURVEY_EVERY_DAYS = 90
QBR_EVERY_DAYS = 91


class Activity:
    """The account's day-to-day life; state that carries across days lives here."""

    def __init__(self, account: Account, window: Window, rng: random.Random) -> None:
        self.account, self.window, self.rng = account, window, rng
        self.p = account.fate.propensity
        self.user_cursor = 0  # rotation through the active users (see `usage`)
        self.tickets = 0
        self.survey_offset = rng.randrange(SURVEY_EVERY_DAYS)
        self.qbr_offset = rng.randrange(QBR_EVERY_DAYS)

    def day(self, day: date, schedule: Schedule) -> None:
        end = self.account.profile.term_end
        if self.account.fate.churned and day > end:
            return  # the customer is gone
        self.usage(day, schedule)
        self.support(day, schedule)
        self.engagement(day, schedule)
        self.survey(day, schedule)

    # ── usage ────────────────────────────────────────────────────────────────

    def level(self, day: date) -> float:
        """Share of seats in the active pool on `day`."""
        fate, end = self.account.fate, self.account.profile.term_end
        years = (day - self.window.start_date).days / 365
        level = fate.base_utilization * math.exp(fate.growth * years)
        if fate.decline_from is not None and day > fate.decline_from:
            span = max((end - fate.decline_from).days, 1)
            progress = clamp((day - fate.decline_from).days / span, 0.0, 1.0)
            level *= 1 - fate.decline_depth * progress
        return clamp(level * self.rng.gauss(1.0, 0.05), 0.0, 1.0)

    def seats(self, day: date) -> int:
        fate, profile = self.account.fate, self.account.profile
        renewed = fate.booked_on is not None and day > profile.term_end and day >= fate.booked_on
        return fate.new_seats if renewed else profile.seats

    def usage(self, day: date, schedule: Schedule) -> None:
        profile, rng = self.account.profile, self.rng
        pool = round(self.seats(day) * self.level(day))
        weekday = day.weekday() < 5
        active = binomial(rng, pool, DAILY_ACTIVE[weekday])
        # One event per active user would make large accounts dominate the volume. Users
        # are taken in rotation through the pool, so a month of events still names about
        # every active user (license utilisation), and one rollup carries the rest of the
        # logins, so the daily total (the usage trend) stays exact.
        shown = min(active, max(6, min(30, math.ceil(pool / 20))))
        users = [f"u{(self.user_cursor + n) % pool + 1:05d}" for n in range(shown)]
        self.user_cursor = (self.user_cursor + shown) % max(pool, 1)
        for user in users:
            logins = 1 + poisson(rng, 1.2)
            schedule(at_work(rng, day, profile.region), *_usage("logins", logins, user))
        rest = active - shown
        if rest > 0:
            schedule(_rollup(rng, day), *_usage("logins", rest + poisson(rng, 1.2 * rest)))
        for _ in range(min(active, poisson(rng, 0.5 + 0.05 * shown))):
            feature = rng.choice(profile.features)
            uses = 1 + poisson(rng, 2.0)
            event = _usage(f"feature.{feature}", uses, rng.choice(users), feature)
            schedule(at_work(rng, day, profile.region), *event)
        schedule(_rollup(rng, day), *_usage("active_users", active))
        if profile.api_user and pool:
            calls = round(pool * rng.uniform(20, 60) * (1.0 if weekday else 0.3))
            schedule(_rollup(rng, day), *_usage("api_calls", calls))

    # ── support ──────────────────────────────────────────────────────────────

    def declining(self, day: date) -> bool:
        fate = self.account.fate
        return fate.churned and fate.decline_from is not None and day >= fate.decline_from

    def support(self, day: date, schedule: Schedule) -> None:
        segment = self.account.profile.segment
        rate = TICKETS_PER_WEEKDAY[segment] * (0.7 + 1.6 * self.p)
        rate *= (1.8 if self.declining(day) else 1.0) * (1.0 if day.weekday() < 5 else 0.3)
        for _ in range(poisson(self.rng, rate)):
            self.ticket(day, schedule)

    def ticket(self, day: date, schedule: Schedule) -> None:
        rng, p, profile = self.rng, self.p, self.account.profile
        declining = self.declining(day)
        self.tickets += 1
        urgent = 0.04 + 0.16 * p + (0.1 if declining else 0.0)
        weights = {"low": 0.2, "high": 0.18 + 0.1 * p, "urgent": urgent}
        priority = weighted(rng, {**weights, "normal": 1.0 - sum(weights.values())})
        escalate = rng.random() < (0.04 + 0.35 * p + (0.15 if declining else 0.0)) * (
            2 if priority == "urgent" else 1
        )
        ticket = {
            "ticket_id": f"T-{profile.account_id}-{self.tickets:04d}",
            "priority": priority,
            "status": "open",
            "escalated": escalate and priority == "urgent",  # urgent ones escalate at once
            "subject": rng.choice(TICKET_SUBJECTS),
        }
        opened = at_work(rng, day, profile.region)
        schedule(opened, "ticket.opened", ticket)
        updated = opened + int(rng.uniform(1, 30) * HOUR)
        status = rng.choice(("pending", "in_progress"))
        schedule(updated, "ticket.updated", {**ticket, "status": status, "escalated": escalate})
        low, high = RESOLUTION_HOURS[priority]
        hours = rng.uniform(low, high) * (1.5 if escalate else 1.0)
        closed = max(opened + int(hours * HOUR), updated + HOUR)
        schedule(closed, "ticket.closed", {**ticket, "status": "solved", "escalated": escalate})
        if rng.random() < 0.45:
            mean = 4.5 - 2.5 * p - (0.8 if escalate else 0.0) - (0.7 if declining else 0.0)
            score = int(clamp(round(rng.gauss(mean, 0.8)), 1, 5))
            answered = closed + int(rng.uniform(1, 48) * HOUR)
            schedule(answered, "csat.submitted", {"ticket_id": ticket["ticket_id"], "score": score})

    # ── relationship ─────────────────────────────────────────────────────────

    def contacts(self, day: date) -> list[tuple[str, str]]:
        """Contacts present on `day`, as planned by the fate."""
        fate, profile = self.account.fate, self.account.profile
        present = list(profile.contacts)
        if fate.champion_leaves_on is not None and day >= fate.champion_leaves_on:
            present = [c for c in present if c[1] != "champion"]
        if fate.sponsor_leaves_on is not None and day >= fate.sponsor_leaves_on:
            present = [c for c in present if c[1] != "exec_sponsor"]
        if fate.champion_replaced_on is not None and day >= fate.champion_replaced_on:
            present.append((replacement_champion(self.account), "champion"))
        return present

    def engagement(self, day: date, schedule: Schedule) -> None:
        if day.weekday() >= 5:
            return
        rng, fate, profile = self.rng, self.account.fate, self.account.profile
        silent = fate.silent_from is not None and day >= fate.silent_from
        rate = ENGAGEMENTS_PER_WEEKDAY[profile.segment] * (1 - 0.5 * self.p)
        booked = fate.booked_on
        if booked is not None and profile.term_end - timedelta(days=45) <= day <= booked:
            rate *= 2  # renewal talks
        rate *= 0.04 if silent else 1.0
        contacts = [c for c, _ in self.contacts(day)]
        kinds = {"meeting": 0.3, "call": 0.25, "email": 0.35, "training": 0.1}
        for _ in range(poisson(rng, rate)):
            payload: dict[str, Any] = {"kind": weighted(rng, kinds)}
            if contacts and rng.random() < 0.8:
                payload["contact_id"] = rng.choice(contacts)
            schedule(at_work(rng, day, profile.region), "engagement.logged", payload)
        qbr_day = (day - self.window.start_date).days % QBR_EVERY_DAYS == self.qbr_offset
        if qbr_day and profile.segment != "smb" and not silent and contacts:
            qbr = {"kind": "qbr", "contact_id": contacts[0]}
            schedule(at_work(rng, day, profile.region), "engagement.logged", qbr)

    def survey(self, day: date, schedule: Schedule) -> None:
        if (day - self.window.start_date).days % SURVEY_EVERY_DAYS != self.survey_offset:
            return
        rng, fate = self.rng, self.account.fate
        mean = 8.8 - 6.0 * self.p - (2.5 if self.declining(day) else 0.0)
        if fate.champion_leaves_on is not None and day >= fate.champion_leaves_on:
            mean -= 1.0
        for contact_id, _ in self.contacts(day):
            if rng.random() >= 0.45:
                continue
            score = int(clamp(round(rng.gauss(mean, 1.4)), 0, 10))
            payload: dict[str, Any] = {"contact_id": contact_id, "score": score}
            if rng.random() < 0.5:
                group = "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"
                payload["comment"] = rng.choice(NPS_COMMENTS[group])
            schedule(at_work(rng, day, self.account.profile.region), "nps.submitted", payload)


def _usage(
    metric: str, quantity: int, user_id: str | None = None, feature: str | None = None
) -> tuple[str, dict[str, Any]]:
    payload: dict[str, Any] = {"metric": metric, "quantity": float(quantity)}
    if user_id is not None:
        payload["user_id"] = user_id
    if feature is not None:
        payload["feature"] = feature
    return "usage.recorded", payload


def _rollup(rng: random.Random, day: date) -> int:
    """Daily totals arrive in the last minutes of the UTC day, as a nightly export would."""
    return day_start(day) + DAY - rng.randint(1, 600)
