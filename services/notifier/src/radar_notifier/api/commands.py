"""An action on an alert, from wherever it comes (an API call, a Slack button, an email
link): one transaction that locks the alert, checks the person's right to its account
as the API checks a credential's, changes it, notes the episode, stores a verdict and
writes the audit entry. A refusal changes nothing and logs nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from radar_notifier.api.models import AlertStateName
from radar_notifier.domain.actions import AUDITED, Action, Refused, Verb, perform
from radar_notifier.domain.alerts import AlertView
from radar_notifier.domain.notices import AlertRecord
from radar_notifier.parts import NotifierParts
from radar_notifier.store import alerts, episodes, feedback
from radar_notifier.store.episodes import Marked
from radar_runtime import UnitOfWork
from radar_runtime.auth.audit import record as record_change
from radar_runtime.auth.roles import Owned, Principal
from radar_runtime.errors import ApiError

# What else must hold, in the same transaction (an email link used only once).
Guard = Callable[[UnitOfWork], Awaitable[None]]


@dataclass(frozen=True)
class Acted:
    alert: Any  # the alert's row afterwards
    verdict: Any  # the stored verdict of a "not useful", else None
    by: Principal
    at: datetime


async def act(
    parts: NotifierParts,
    who: Principal,
    alert_id: str,
    action: Action,
    *,
    guard: Guard | None = None,
) -> Acted:
    """Apply `action` as `who`. An ApiError when refused."""
    async with parts.runtime.unit_of_work() as uow:
        row = await alerts.by_id(uow.session, alert_id, lock=True)
        if row is None:
            raise ApiError(404, "not_found", f"no alert {alert_id!r}")
        record = alerts.record_from_row(row)
        parts.access.ensure_may_act_on(
            who, owned_by(record.view), f"the alerts of {record.view.account_name}"
        )
        if guard is not None:
            await guard(uow)
        before = fatigue_of(row, uow.now)
        try:
            perform(record, action, who.label, uow.now, parts.rules.renotify)
        except Refused as refused:
            raise ApiError(refused.status, refused.code, refused.message) from None
        await alerts.save_fatigue(uow.session, [record], uow.now)
        verdict = await _note(uow, record, action, who)
        updated = await alerts.by_id(uow.session, record.state.dedup_key)
        assert updated is not None  # changed in this transaction
        before_and_after: tuple[dict[str, Any] | None, dict[str, Any]]
        if verdict is None:
            before_and_after = (before, fatigue_of(updated, uow.now))
        else:
            before_and_after = (None, {"reason": verdict.reason, "note": verdict.note})
        await record_change(
            uow,
            who,
            AUDITED[action.verb],
            "alert",
            row.alert_id,
            before=before_and_after[0],
            after=before_and_after[1],
        )
    # The worker looks now rather than at its next poll (an unsnooze is due at once).
    parts.worker.wake()
    return Acted(updated, verdict, who, uow.now)


# The episode column an action marks the first time it happens.
_MARKS: dict[Verb, Marked] = {Verb.ACK: "acked_at", Verb.SNOOZE: "snoozed_at"}


async def _note(uow: UnitOfWork, record: AlertRecord, action: Action, who: Principal) -> Any:
    """Note the action on the alert's episode; the stored verdict of a "not useful"."""
    if action.verb is Verb.NOT_USEFUL:
        assert action.reason is not None  # perform() refuses a verdict without one
        return await feedback.save(uow.session, record, action.reason, action.note, who, uow.now)
    episode = episodes.key_of(record)
    if action.verb in _MARKS and episode is not None:
        await episodes.mark(uow.session, _MARKS[action.verb], [episode], uow.now)
    return None


def owned_by(view: AlertView) -> Owned:
    """What the access rules know about an alert's account."""
    return Owned(
        owner_email=view.owner.email if view.owner else None,
        manager_email=view.manager.email if view.manager else None,
        segment=view.segment,
        region=view.region,
    )


def fatigue_of(row: Any, now: datetime) -> dict[str, Any]:
    """An alert's acknowledgement and snooze, as the audit log records them."""
    return {
        "state": state_name(row, now),
        "acked_by": row.acked_by,
        "snoozed_until": row.snoozed_until.isoformat() if row.snoozed_until else None,
    }


def state_name(row: Any, now: datetime) -> AlertStateName:
    if row.status == "resolved":
        return "resolved"
    if row.acked_at is not None:
        return "acked"
    if row.snoozed_until is not None and row.snoozed_until > now:
        return "snoozed"
    return "raised"
