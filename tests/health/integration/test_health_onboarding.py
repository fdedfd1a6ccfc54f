"""Onboarding: months of history for several accounts posted oldest first in batches, as a
team's first load does, through the real broker and database.

What health owes the people who will be paged: nothing while the history is arriving;
then conditions that began and ended within it are raised and resolved with the instants
they held (in one transaction, so a notifier flushing its groups never sends them), and
the alerts left open are exactly the conditions that hold at the end, each raised once.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
from health_harness import (
    account_upserted,
    at,
    contact,
    engagement,
    health_settings,
    new_account,
    nps,
    running_health,
    subscription,
    ticket,
    usage,
)

from radar_health.rules import PACKAGE, HealthRules
from radar_runtime.rules import load_rules
from radar_runtime.testing.helpers import publish
from radar_schemas.codec import decode
from radar_schemas.topics import ALERTS, HEALTH

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

DAYS = 120
SETTLE = timedelta(minutes=load_rules(HealthRules, PACKAGE).alerts.backfill_settle_minutes)


def history(account: str, kind: int) -> list:
    """120 days of one of several lives: steady, a usage dip that recovered, a drop at the
    end, a silence that ended, a silence that lasts, a champion lost and replaced, a
    champion lost for good, an urgent ticket closed, one still open, a detractor."""
    events = [
        account_upserted(account, at(DAYS + 5), name=f"Customer {kind}"),
        subscription(account, at(DAYS + 5), seats=5),
        contact(account, at(DAYS + 5), "c-champ", "champion"),
        contact(account, at(DAYS + 5), "c-exec", "exec_sponsor"),
    ]
    silent = {3: range(20, 80), 4: range(0, 70)}.get(kind, range(0))
    for day in range(DAYS, 0, -1):
        logins = 10.0
        if kind == 1 and 60 <= day < 70:
            logins = 1.0  # a dip within the history, long over
        if kind == 2 and day <= 7:
            logins = 1.0  # a drop that holds at the end
        events.append(usage(account, at(day), logins, user=f"u-{day % 4}"))
        if day % 10 == 0 and day not in silent:
            events.append(engagement(account, at(day, hours=2)))
    if kind == 5:
        events.append(contact(account, at(90), "c-champ", "champion", "left"))
        events.append(contact(account, at(60), "c-new", "champion"))
    if kind == 6:
        events.append(contact(account, at(15), "c-champ", "champion", "left"))
    if kind == 7:
        events.append(ticket(account, at(50), "opened", "T-1", priority="urgent"))
        events.append(ticket(account, at(45), "closed", "T-1", priority="urgent"))
    if kind == 8:
        events.append(ticket(account, at(3), "opened", "T-2", priority="urgent"))
    if kind == 9:
        events.append(nps(account, at(200 - DAYS), 3, contact="c-champ"))
    return events


async def test_a_backfill_pages_only_for_what_holds_at_the_end(kafka_bootstrap, database_url):
    async with running_health(health_settings(kafka_bootstrap, database_url)) as health:
        accounts = [new_account(f"onb{kind}") for kind in range(10)]
        events = [e for kind, a in enumerate(accounts) for e in history(a, kind)]
        events.sort(key=lambda e: e.occurred_at)  # oldest first, accounts interleaved
        for first in range(0, len(events), 150):
            part = events[first : first + 150]
            await publish(kafka_bootstrap, health.settings, part)
            ids = {e.account_id: [] for e in part}
            for e in part:
                ids[e.account_id].append(e.event_id)
            for account, account_ids in ids.items():
                await health.wait_for_async(
                    lambda a=account, i=account_ids: health.settled(a, i), what="part applied"
                )

        assert await alert_events(health, accounts) == []  # nothing while it arrives
        # Scores go on being shown, each saying it is of a history half arrived.
        arriving = await outbox_events(health, accounts, HEALTH)
        assert arriving and all(e.payload.provisional for e in arriving)
        settle_started = health.clock.now()
        await health.replay_settled_history(SETTLE)
        sent = await alert_events(health, accounts)
        settled = (await outbox_events(health, accounts, HEALTH))[len(arriving) :]
        assert settled and not any(e.payload.provisional for e in settled)
        # Each account's settled score of now, sent even if unchanged: its last was not.
        now = health.clock.now()
        assert {e.account_id for e in settled if e.payload.as_of == now} == set(accounts)
        midnight = datetime.combine(health.clock.now().date(), time(), tzinfo=UTC)

        # Over within the history: raised and resolved at the instants they held.
        resolved = [e for e in sent if e.type == "alert.resolved"]
        raised_by_id = {e.payload.alert_id: e for e in sent if e.type == "alert.raised"}
        assert resolved, "the history has conditions that ended"
        for event in resolved:
            began = raised_by_id[event.payload.alert_id].occurred_at
            assert began < event.occurred_at <= midnight < settle_started + SETTLE

        # Left open: each raised once, and exactly what the rules find at the end: judging
        # every account again now raises and resolves nothing.
        rows = await health.sql(
            "SELECT dedup_key FROM open_alerts WHERE account_id = ANY(:a)", a=accounts
        )
        open_keys = [row[0] for row in rows]
        ended = {e.payload.alert_id for e in resolved}
        still_open = {  # alert.raised again for one alert_id is that alert shown anew
            (e.payload.dedup_key, e.payload.alert_id)
            for e in sent
            if e.type == "alert.raised" and e.payload.alert_id not in ended
        }
        assert Counter(key for key, _ in still_open) == Counter(open_keys)
        assert all(count == 1 for count in Counter(open_keys).values())
        async with health.runtime.unit_of_work() as uow:
            again = await health.parts.recomputer.recompute(uow, accounts)
        assert (again.raised, again.resolved) == ([], [])

        by_account = {
            kind: sorted(k.split(":")[0] for k in open_keys if k.split(":")[1] == a)
            for kind, a in enumerate(accounts)
        }
        assert "usage.sharp_drop" not in by_account[1]  # the dip is over
        assert "usage.sharp_drop" in by_account[2]
        assert "engagement.silent" not in by_account[3]  # spoken to again since
        assert "engagement.silent" in by_account[4]
        assert "champion.left" not in by_account[5]  # replaced
        assert "champion.left" in by_account[6]
        assert "support.escalation" not in by_account[7]  # closed
        assert "support.escalation" in by_account[8]
        assert "nps.detractor" in by_account[9]
        over = {(e.payload.rule, e.account_id) for e in resolved}
        assert ("usage.sharp_drop", accounts[1]) in over
        assert ("engagement.silent", accounts[3]) in over
        assert ("champion.left", accounts[5]) in over
        assert ("support.escalation", accounts[7]) in over


async def alert_events(health, accounts: list[str]) -> list:
    """Every alert event health committed for these accounts, in emission order."""
    return await outbox_events(health, accounts, ALERTS)


async def outbox_events(health, accounts: list[str], topic: str) -> list:
    """Every event health committed to `topic` for these accounts, in emission order."""
    rows = await health.sql(
        "SELECT value FROM outbox WHERE key = ANY(:a) AND topic = :t ORDER BY id",
        a=accounts,
        t=health.settings.topic(topic),
    )
    return [decode(row[0]) for row in rows]
