"""A scripted account for the end-to-end test: its usage drops, its champion leaves,
and its renewal is 60 days out."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from radar_schemas.envelope import Envelope
from radar_schemas.events import EVENT_MODELS

OWNER = "dana.reyes@example.com"
MANAGER = "sam.okafor@example.com"


def event(event_type: str, account: str, at: datetime, payload: dict[str, Any]) -> Envelope:
    model = EVENT_MODELS[event_type]
    return model.model_validate(
        {
            "event_id": str(uuid.uuid4()),
            "type": event_type,
            "occurred_at": at.isoformat(),
            "account_id": account,
            "payload": payload,
        }
    )


def at_risk_account(account: str, now: datetime | None = None) -> list[Envelope]:
    now = now or datetime.now(UTC)
    today = now.date()
    start = now - timedelta(days=300)
    subscription = f"{account}-sub"
    events = [
        event(
            "account.upserted",
            account,
            start,
            {
                "name": f"Scripted {account}",
                "segment": "enterprise",
                "region": "emea",
                "industry": "Manufacturing",
                "owner": {"name": "Dana Reyes", "email": OWNER},
                "manager": {"name": "Sam Okafor", "email": MANAGER},
            },
        ),
        event(
            "subscription.upserted",
            account,
            start,
            {
                "subscription_id": subscription,
                "plan": "Enterprise",
                "seats": 40,
                "arr": 240000.0,
                "currency": "EUR",
                "start_date": (today - timedelta(days=305)).isoformat(),
                "end_date": (today + timedelta(days=60)).isoformat(),
                "auto_renew": False,
            },
        ),
        event(
            "contact.changed",
            account,
            start,
            {"contact_id": "c-champ", "role": "champion", "change": "joined"},
        ),
        event(
            "contact.changed",
            account,
            start,
            {"contact_id": "c-exec", "role": "exec_sponsor", "change": "joined"},
        ),
        event("engagement.logged", account, now - timedelta(days=3), {"kind": "call"}),
        event(
            "contact.changed",
            account,
            now - timedelta(hours=2),
            {"contact_id": "c-champ", "role": "champion", "change": "left"},
        ),
    ]
    # 40 days of logins by 30 users; the last 7 days fall to a tenth.
    for days_ago in range(40, 0, -1):
        day: date = today - timedelta(days=days_ago)
        per_user = 1.0 if days_ago > 7 else 0.1
        for user in range(30):
            events.append(
                event(
                    "usage.recorded",
                    account,
                    datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
                    {"metric": "logins", "quantity": per_user * 10, "user_id": f"u{user}"},
                )
            )
    return events
