"""The manager's forecast call on a renewal: set it (a command), read its history."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from radar_renewals.api.deps import (
    NOT_FOUND,
    Before,
    PageLimit,
    Renewals,
    newest_first_page,
    plain_json,
    unknown_subscription,
)
from radar_renewals.domain.calls import Call, CallCategory
from radar_renewals.store.calls import calls_of, current_call, people_of, write_call
from radar_renewals.store.terms import terms_of
from radar_runtime import SessionDep
from radar_runtime.auth.audit import record
from radar_runtime.auth.http import requires
from radar_runtime.auth.roles import AccessRules, Owned, Principal, Role, may_act_on
from radar_runtime.errors import ErrorBody
from radar_schemas.common import TEXT_PATTERN

router = APIRouter(prefix="/v1", tags=["calls"])

# The call is the manager's: their role (or admin), on the accounts they manage.
Manager = Annotated[Principal, requires(Role.MANAGER)]
# One line of text: no control characters; a note may also hold tabs and line breaks.
LINE = r"^[^\x00-\x1f\x7f]*$"


class CallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: CallCategory
    next_step: Annotated[str, Field(min_length=1, max_length=280, pattern=LINE)]
    next_step_date: Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]
    note: Annotated[str, Field(max_length=2000, pattern=TEXT_PATTERN)] = ""
    renewal_date: Annotated[
        date | None,
        Field(description="The renewal called; default: the subscription's current term."),
    ] = None


class CallOut(BaseModel):
    id: int
    subscription_id: str
    renewal_date: date
    category: CallCategory
    next_step: str
    next_step_date: date
    note: str
    by_name: str
    by_email: str | None
    at: str


CALL_RESPONSES: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    400: {"model": ErrorBody, "description": "The body is not JSON"},
    409: {
        "model": ErrorBody,
        "description": "The renewal is closed (booked or churned): there is nothing to call",
    },
}


@router.put("/renewals/{subscription_id}/call", response_model=CallOut, responses=CALL_RESPONSES)
async def set_call(subscription_id: str, body: CallIn, who: Manager, renewals: Renewals) -> CallOut:
    """Set the manager's forecast call on a renewal (commit / best case / at risk /
    omitted, a dated next step, a note). Kept with its history; who called comes from the
    credential, and the audit log records the change."""
    async with renewals.runtime.unit_of_work() as uow:
        session = uow.session
        term = _called_term(await terms_of(session, subscription_id), subscription_id, body)
        people = (await people_of(session, [term.account_id])).get(term.account_id)
        renewals.access.ensure_may_act_on(
            who, _owned(people), f"the renewal of {term.account_name or term.account_id}"
        )
        before = await current_call(session, subscription_id, term.end_date, lock=True)
        call = Call(
            body.category,
            body.next_step.strip(),
            body.next_step_date,
            body.note.strip(),
            who.subject,
            who.name,
            who.email,
            uow.now,
        )
        row = await write_call(session, subscription_id, term.end_date, call)
        await record(
            uow,
            who,
            "renewal.call_set",
            "renewal",
            f"{subscription_id}:{term.end_date}",
            before=call_view(before) if before else None,
            after=call_view(row),
        )
    return CallOut(**call_view(row))


@router.get("/renewals/{subscription_id}/calls", response_class=JSONResponse, responses=NOT_FOUND)
async def list_calls(
    subscription_id: str, session: SessionDep, before: Before = None, limit: PageLimit = 100
) -> JSONResponse:
    """Every call made on the subscription's renewals, newest first, a page at a time."""
    if not await terms_of(session, subscription_id):
        raise unknown_subscription(subscription_id)
    rows = await calls_of(session, subscription_id, limit + 1, before=before)
    calls, more = newest_first_page(rows, limit)
    return plain_json({"items": [call_view(row) for row in calls], "next_before": more})


def _called_term(rows: list[Any], subscription_id: str, body: CallIn) -> Any:
    if not rows:
        raise unknown_subscription(subscription_id)
    if body.renewal_date is None:
        term = next((row for row in rows if row.is_current), rows[-1])
    else:
        term = next((row for row in rows if row.end_date == body.renewal_date), None)
        if term is None:
            raise HTTPException(
                404, detail=f"{subscription_id!r} has no renewal on {body.renewal_date}"
            )
    if not term.is_open:
        raise HTTPException(
            409, detail=f"the renewal on {term.end_date} is {term.state}: there is nothing to call"
        )
    return term


def may_call(rules: AccessRules, who: Principal, people: Any, is_open: bool) -> bool:
    """Whether `who` may set the call on an open term of the account `people` describe:
    the list says so per row, so a page offers the control only where it would work."""
    return is_open and who.role.at_least(Role.MANAGER) and may_act_on(who, _owned(people), rules)


def _owned(people: Any) -> Owned:
    if people is None:
        return Owned()
    manager = people.manager or {}
    return Owned(
        owner_email=people.owner.get("email"),
        manager_email=manager.get("email"),
        segment=people.segment,
        region=people.region,
    )


def call_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "subscription_id": row.subscription_id,
        "renewal_date": row.renewal_date.isoformat(),
        "category": row.category,
        "next_step": row.next_step,
        "next_step_date": row.next_step_date.isoformat(),
        "note": row.note,
        "by_name": row.by_name,
        "by_email": row.by_email,
        "at": row.at.isoformat(),
    }
