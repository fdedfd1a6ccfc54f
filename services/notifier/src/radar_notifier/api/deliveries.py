"""The delivery log: every digest sent or being sent, with attempts and the last error."""

from __future__ import annotations

from fastapi import APIRouter

from radar_notifier.api.models import ChannelName, DeliveryList, DeliveryOut, DeliveryStatus
from radar_notifier.store import deliveries
from radar_runtime import SessionDep
from radar_runtime.paging import Cursor, Limit, cursor_of, page, read_cursor

router = APIRouter()


@router.get("/deliveries", response_model=DeliveryList)
async def list_deliveries(
    session: SessionDep,
    status: DeliveryStatus | None = None,
    channel: ChannelName | None = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> DeliveryList:
    """The delivery log, newest first, with attempts and the last error."""
    (before_id,) = read_cursor(cursor, int) if cursor else (None,)
    rows = await deliveries.listed(
        session, status=status, channel=channel, before_id=before_id, limit=limit + 1
    )
    shown, last = page(rows, limit)
    return DeliveryList(
        deliveries=[
            DeliveryOut.model_validate(row._mapping, from_attributes=False) for row in shown
        ],
        next_cursor=cursor_of(last.id) if last is not None else None,
    )
