"""CSM overrides, and the shown health in SQL: the twin of `domain.overrides.effective_health`.

Reads (the API, the band gauge) work out what is shown at read time, so an override
stops counting the moment it expires. They all build it here, from `in_force`; the
band an override puts an account in is worked out once, when it is set
(`domain.overrides.override_band`), and kept in `effective_band`. A test checks these
expressions against the domain function on the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, case, delete, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_health.domain.overrides import Override
from radar_runtime.auth.roles import Owned
from radar_schemas.common import Band

from .tables import account_health, accounts, health_overrides

_h, _o = account_health.c, health_overrides.c

# An account with its health and its override (either may be missing).
ACCOUNTS_WITH_HEALTH = accounts.outerjoin(
    account_health, account_health.c.account_id == accounts.c.account_id
).outerjoin(health_overrides, health_overrides.c.account_id == accounts.c.account_id)


# An account's override beside other columns, as `o_<column>` (read back by `override_of`).
OVERRIDE_COLUMNS = tuple(
    c.label(f"o_{c.name}") for c in health_overrides.c if c.name != "account_id"
)


def override_of(row: Row[Any]) -> Override | None:
    """The override in a row read with `OVERRIDE_COLUMNS`, in force or not; None without one."""
    if row.o_expires_at is None:
        return None
    return Override(
        reason=row.o_reason,
        author=row.o_author,
        expires_at=row.o_expires_at,
        score=row.o_score,
        band=Band(row.o_band) if row.o_band else None,
        created_at=row.o_created_at,
    )


def in_force(now: datetime) -> ColumnElement[bool]:
    """`Override.is_active`: an override counts until `expires_at` (exclusive)."""
    return _o.expires_at > now


def shown_score(now: datetime) -> ColumnElement[float]:
    """The override's score while in force; a band-only override keeps the computed one."""
    return case((in_force(now) & _o.score.is_not(None), _o.score), else_=_h.score)


def shown_band(now: datetime) -> ColumnElement[str]:
    return case((in_force(now), _o.effective_band), else_=_h.band)


def shown_source(now: datetime) -> ColumnElement[str]:
    return case((in_force(now), literal("override")), else_=literal("computed"))


async def set_override(
    session: AsyncSession, account_id: str, override: Override, band: Band, now: datetime
) -> None:
    """`band`: the band the override puts the account in (`override_band`)."""
    values = {
        "account_id": account_id,
        "score": override.score,
        "band": override.band,
        "effective_band": band,
        "reason": override.reason,
        "author": override.author,
        "expires_at": override.expires_at,
        "created_at": now,
    }
    statement = insert(health_overrides).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=[_o.account_id],
        set_={name: statement.excluded[name] for name in values if name != "account_id"},
    )
    await session.execute(statement)


@dataclass(frozen=True, slots=True)
class AccountOwner:
    """What a command on an account's health needs: who may act on it, its segment's
    bands, the override it has now."""

    name: str
    segment: str | None
    owned: Owned
    override: Override | None


async def account_owner(session: AsyncSession, account_id: str) -> AccountOwner | None:
    """None for an account never seen."""
    a = accounts.c
    statement = (
        select(a.name, a.segment, a.region, a.owner_email, a.manager, *OVERRIDE_COLUMNS)
        .select_from(accounts.outerjoin(health_overrides, _o.account_id == a.account_id))
        .where(a.account_id == account_id)
    )
    row = (await session.execute(statement)).first()
    if row is None:
        return None
    manager = row.manager or {}
    return AccountOwner(
        name=row.name or account_id,
        segment=row.segment,
        owned=Owned(
            owner_email=row.owner_email,
            manager_email=manager.get("email"),
            segment=row.segment,
            region=row.region,
        ),
        override=override_of(row),
    )


async def remove_override(session: AsyncSession, account_id: str) -> bool:
    """Whether there was one to remove."""
    statement = delete(health_overrides).where(_o.account_id == account_id).returning(_o.account_id)
    return (await session.execute(statement)).first() is not None


async def expired_overrides(session: AsyncSession, now: datetime, limit: int) -> list[str]:
    """Accounts whose override expired after health.scored last announced it."""
    statement = (
        select(_o.account_id)
        .join(account_health, _h.account_id == _o.account_id)
        .where(
            ~in_force(now),
            _h.emitted_override.is_not(None),
            _h.score.is_not(None),  # without a computed score there is nothing to announce
        )
        .order_by(_o.account_id)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())
