"""One valid example per event type, as a client sends it (ingest adds source/received_at).

Used in tests and embedded in the published JSON Schema. Copy before mutating.
"""

from copy import deepcopy
from typing import Any

_ACCOUNT = "acct-0042"
_AT = "2025-03-03T09:15:00Z"
_OWNER = {"name": "Dana Reyes", "email": "dana.reyes@example.com", "slack_id": "U024BE7LH"}
_MANAGER = {"name": "Sam Okafor", "email": "sam.okafor@example.com"}
_TICKET = {
    "ticket_id": "T-9001",
    "priority": "urgent",
    "status": "open",
    "escalated": True,
    "subject": "SSO login fails for all users",
}
_DRIVERS = [
    {
        "name": "health_score",
        "value": 34.5,
        "explanation": "Health is red (34.5) and fell 28 points in 30 days",
        "impact": 22.0,
    },
    {
        "name": "forecast_category",
        "value": "best_case",
        "explanation": "CRM forecast is best case, not commit",
        "impact": 8.0,
    },
]
_ALERT = {
    "alert_id": "alrt-7d1c",
    "rule": "renewal.at_risk",
    "severity": "critical",
    "dedup_key": "renewal.at_risk:acct-0042:sub-0042-2025",
    "title": "Renewal at risk: Acme Corp (in 88 days)",
    "summary": "Acme Corp renews on 2025-05-31 with high risk (78/100).",
    "drivers": _DRIVERS,
    "recommended_actions": ["Book an exec-sponsor call this week", "Run a value review (QBR)"],
    "owner": _OWNER,
    "manager": _MANAGER,
    "account_name": "Acme Corp",
    "segment": "enterprise",
    "region": "emea",
    "arr": 120000.0,
    "currency": "EUR",
    "subscription_id": "sub-0042-2025",
    "renewal_date": "2025-05-31",
    "health_score": 34.5,
    "risk_score": 78.0,
}


def _event(n: int, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": f"00000000-0000-4000-8000-{n:012d}",
        "type": event_type,
        "schema_version": 1,
        "occurred_at": _AT,
        "account_id": _ACCOUNT,
        "payload": deepcopy(payload),  # no example shares a dict with another
    }


_PAYLOADS: dict[str, dict[str, Any]] = {
    "usage.recorded": {
        "metric": "feature.reports",
        "quantity": 37.0,
        "user_id": "u-17",
        "feature": "reports",
    },
    "ticket.opened": _TICKET,
    "ticket.updated": {**_TICKET, "status": "pending"},
    "ticket.closed": {**_TICKET, "status": "solved"},
    "csat.submitted": {"ticket_id": "T-9001", "score": 4},
    "nps.submitted": {"contact_id": "c-11", "score": 6, "comment": "Reports are too slow"},
    "account.upserted": {
        "name": "Acme Corp",
        "segment": "enterprise",
        "region": "emea",
        "industry": "Manufacturing",
        "owner": _OWNER,
        "manager": _MANAGER,
    },
    "subscription.upserted": {
        "subscription_id": "sub-0042-2025",
        "plan": "Enterprise",
        "seats": 250,
        "arr": 120000.0,
        "currency": "EUR",
        "start_date": "2024-06-01",
        "end_date": "2025-05-31",
        "auto_renew": False,
    },
    "subscription.cancelled": {
        "subscription_id": "sub-0042-2025",
        "effective_date": "2025-05-31",
        "reason": "Moved to a competitor",
    },
    "renewal.opportunity_updated": {
        "opportunity_id": "opp-311",
        "subscription_id": "sub-0042-2025",
        "stage": "Negotiation",
        "forecast_category": "best_case",
        "close_date": "2025-05-15",
        "amount": 126000.0,
    },
    "renewal.booked": {
        "subscription_id": "sub-0042-2025",
        "booked_at": "2025-05-02",
        "new_arr": 126000.0,
        "new_end_date": "2026-05-31",
    },
    "engagement.logged": {"kind": "qbr", "contact_id": "c-11"},
    "contact.changed": {"contact_id": "c-11", "role": "champion", "change": "left"},
    "contact.identified": {"contact_id": "c-11", "name": "Jane Doe", "email": "jane@example.com"},
    "health.scored": {
        "score": 34.5,
        "band": "red",
        "previous_score": 48.0,
        "previous_band": "yellow",
        "components": [
            {
                "measure": "usage_trend",
                "raw_value": -0.42,
                "sub_score": 13.3,
                "weight": 25.0,
                "explanation": "Active usage down 42% vs the previous 30 days",
            },
            {
                "measure": "relationship",
                "raw_value": None,
                "sub_score": None,
                "weight": 0.0,
                "explanation": "No contact data",
            },
        ],
        "missing": ["relationship"],
        "score_7d_ago": 48.0,
        "score_30d_ago": 62.5,
        "override": None,
        "segment": "enterprise",
        "as_of": _AT,
    },
    "renewal.state_changed": {
        "subscription_id": "sub-0042-2025",
        "state": "in_window",
        "previous_state": "upcoming",
        "renewal_date": "2025-05-31",
        "days_to_renewal": 88,
        "risk_score": 78.0,
        "risk_band": "high",
        "p_renew": 0.41,
        "arr": 120000.0,
        "expected_arr": 49200.0,
        "drivers": _DRIVERS,
    },
    "alert.raised": _ALERT,
    "alert.resolved": _ALERT,
}

EXAMPLES: dict[str, dict[str, Any]] = {
    event_type: _event(n, event_type, payload)
    for n, (event_type, payload) in enumerate(_PAYLOADS.items(), start=1)
}
