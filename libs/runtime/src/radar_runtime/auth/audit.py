"""The audit log: every change, who made it (from the credential), before and after,
written in the same transaction as the change itself."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy import Table

from ..db import audit_log
from ..unit_of_work import UnitOfWork
from .roles import Principal
from .store import write_audit

# Set per request by the request-id middleware; None outside a request (jobs, consumer).
REQUEST_ID: ContextVar[str | None] = ContextVar("radar_request_id", default=None)


async def record(
    uow: UnitOfWork,
    caller: Principal,
    action: str,
    target_type: str,
    target_id: str,
    *,
    before: Any = None,
    after: Any = None,
    table: Table | None = None,
) -> None:
    """Add an audit row to the unit of work's transaction (the service's own log unless
    `table` names another)."""
    await write_audit(
        uow.session,
        table if table is not None else audit_log,
        at=uow.now,
        actor=caller,
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=before,
        after=after,
        request_id=REQUEST_ID.get(),
    )
