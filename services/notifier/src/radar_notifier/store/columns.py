"""How domain values sit in columns: an alert view as JSON, a fatigue state as the
`alerts` columns, and back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from radar_notifier.domain.alerts import AlertView, Driver, NoticeKind, Person
from radar_notifier.domain.fatigue import AlertState
from radar_schemas.common import AlertRule, Region, Segment, Severity

E = TypeVar("E", bound=StrEnum)

# ---------------------------------------------------------------------------- views


def view_to_json(view: AlertView) -> dict[str, Any]:
    return {
        "alert_id": view.alert_id,
        "rule": view.rule,
        "severity": view.severity.value,
        "dedup_key": view.dedup_key,
        "title": view.title,
        "summary": view.summary,
        "account_id": view.account_id,
        "account_name": view.account_name,
        "segment": view.segment,
        "region": view.region,
        "occurred_at": view.occurred_at.isoformat(),
        "drivers": [
            {"name": d.name, "value": d.value, "explanation": d.explanation} for d in view.drivers
        ],
        "recommended_actions": list(view.recommended_actions),
        "owner": _person_json(view.owner),
        "manager": _person_json(view.manager),
        "arr": view.arr,
        "currency": view.currency,
        "subscription_id": view.subscription_id,
        "renewal_date": view.renewal_date.isoformat() if view.renewal_date else None,
        "health_score": view.health_score,
        "risk_score": view.risk_score,
        "resolved": view.resolved,
    }


def view_from_json(data: Mapping[str, Any]) -> AlertView:
    renewal = data.get("renewal_date")
    return AlertView(
        alert_id=data["alert_id"],
        rule=AlertRule(data["rule"]),
        severity=Severity(data["severity"]),
        dedup_key=data["dedup_key"],
        title=data["title"],
        summary=data["summary"],
        account_id=data["account_id"],
        account_name=data["account_name"],
        segment=_known(Segment, data.get("segment")),
        region=_known(Region, data.get("region")),
        occurred_at=datetime.fromisoformat(data["occurred_at"]),
        drivers=tuple(Driver(**d) for d in data.get("drivers", ())),
        recommended_actions=tuple(data.get("recommended_actions", ())),
        owner=_person_from(data.get("owner")),
        manager=_person_from(data.get("manager")),
        arr=data.get("arr"),
        currency=data.get("currency"),
        subscription_id=data.get("subscription_id"),
        renewal_date=date.fromisoformat(renewal) if renewal else None,
        health_score=data.get("health_score"),
        risk_score=data.get("risk_score"),
        resolved=bool(data.get("resolved", False)),
    )


def _known(kind: type[E], value: str | None) -> E | None:
    # Rows of earlier versions hold "unknown" where the alert named no segment or region.
    return None if value is None or value == "unknown" else kind(value)


def _person_json(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"name": person.name, "email": person.email, "slack_id": person.slack_id}


def _person_from(data: Mapping[str, Any] | None) -> Person | None:
    return None if data is None else Person(**data)


# ---------------------------------------------------------------------------- state


def state_columns(state: AlertState) -> dict[str, Any]:
    """The `alerts` columns that hold an `AlertState`."""
    return {
        "dedup_key": state.dedup_key,
        "status": state.status.value,
        "first_raised_at": state.first_raised_at,
        "last_raised_at": state.last_raised_at,
        "resolved_at": state.resolved_at,
        "last_notified_at": {k: v.isoformat() for k, v in state.last_notified_at.items()},
        "notified_count": dict(state.notified_count),
        "resolved_notified": sorted(state.resolved_notified),
        "acked_by": state.acked_by,
        "acked_at": state.acked_at,
        "ack_baseline": dict(state.ack_baseline),
        "snoozed_until": state.snoozed_until,
    }


def state_from_row(row: Mapping[str, Any]) -> AlertState:
    return AlertState(
        dedup_key=row["dedup_key"],
        status=NoticeKind(row["status"]),
        first_raised_at=row["first_raised_at"],
        last_raised_at=row["last_raised_at"],
        resolved_at=row["resolved_at"],
        last_notified_at={
            k: datetime.fromisoformat(v) for k, v in (row["last_notified_at"] or {}).items()
        },
        notified_count=row["notified_count"] or {},
        resolved_notified=frozenset(row["resolved_notified"] or ()),
        acked_by=row["acked_by"],
        acked_at=row["acked_at"],
        ack_baseline=row["ack_baseline"] or {},
        snoozed_until=row["snoozed_until"],
    )
