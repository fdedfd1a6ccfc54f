"""Simulated CRM histories (`radar simulate`'s generator) as the renewals service receives
them: the CRM's events, under ids of a tag's own so histories share one service, and
health scores to move the accounts' risk."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from radar_cli.simulate.model import SimulationConfig, generate
from radar_schemas import Envelope, HealthScored, HealthScoredEvent
from radar_schemas.events import EVENT_MODELS

CRM_TYPES = frozenset(
    {
        "account.upserted",
        "subscription.upserted",
        "renewal.booked",
        "subscription.cancelled",
        "renewal.opportunity_updated",
        "contact.changed",
    }
)
_IDS = ("subscription_id", "opportunity_id", "contact_id")


def simulated_crm(tag: str, *, seed: int, accounts: int, days: int, end: date) -> list[Envelope]:
    """The CRM events of a simulation, oldest first, every id prefixed with `tag`."""
    config = SimulationConfig(accounts, days, seed, end)
    return [_tagged(event, tag) for event in generate(config) if event["type"] in CRM_TYPES]


def health_scores(
    events: list[Envelope], rng: random.Random, *, per_account: int, now: datetime
) -> list[Envelope]:
    """`health.scored` events at random moments of the history, of random scores: signals
    that move the accounts' risk up and down (the simulation itself has no health). The
    last of each account's is at `now`, as the health service scores every account daily."""
    first, last = events[0].occurred_at, events[-1].occurred_at
    span = (last - first).total_seconds()
    scores = []
    for account_id in sorted({event.account_id for event in events}):
        moments = [first + timedelta(seconds=rng.uniform(0, span)) for _ in range(per_account)]
        for when in [*moments, now]:
            score = round(rng.uniform(5, 95), 1)
            scores.append(
                HealthScoredEvent(
                    occurred_at=when,
                    account_id=account_id,
                    source="health",
                    payload=HealthScored(
                        score=score,
                        band="green" if score >= 70 else "yellow" if score >= 40 else "red",
                        components=[],
                        score_30d_ago=round(rng.uniform(5, 95), 1),
                        open_escalations=rng.choice([0, 0, 1, 3]),
                        as_of=when,
                    ),
                )
            )
    return scores


def _tagged(event: dict[str, Any], tag: str) -> Envelope:
    payload = {
        key: f"{tag}-{value}" if key in _IDS else value for key, value in event["payload"].items()
    }
    model = EVENT_MODELS[event["type"]]
    return model.model_validate(
        {
            **event,
            "event_id": uuid.uuid5(uuid.NAMESPACE_URL, f"{tag}/{event['event_id']}"),
            "account_id": f"{tag}-{event['account_id']}",
            "source": "crm",
            "payload": payload,
        }
    )


def as_delivered(events: list[Envelope], rng: random.Random) -> list[Envelope]:
    """Shuffled, a tenth delivered twice and a tenth sent again by the source under a
    new event id, as a retrying source and an at-least-once broker would."""
    twice = rng.sample(events, len(events) // 10)
    resent = [
        e.model_copy(update={"event_id": uuid.uuid4()})
        for e in rng.sample(events, len(events) // 10)
    ]
    delivered = [*events, *twice, *resent]
    rng.shuffle(delivered)
    return delivered
