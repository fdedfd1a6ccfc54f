"""The delivery log: every digest sent or being sent, with attempts and the last error."""

from __future__ import annotations

from fastapi import APIRouter

from radar_notifier.api.deps import Limit
from radar_notifier.api.models import ChannelName, DeliveryList, DeliveryOut, DeliveryStatus
from radar_notifier.store import deliveries
from radar_runtime import SessionDep

router = APIRouter()


@router.get("/deliveries", response_model=DeliveryList)
async def list_deliveries(
    session: SessionDep,
    status: DeliveryStatus | None = None,
    channel: ChannelName | None = None,
    limit: Limit = 100,
) -> DeliveryList:
    """The delivery log, newest first, with attempts and the last error."""
    rows = await deliveries.listed(session, status=status, channel=channel, limit=limit)
    return DeliveryList(
        deliveries=[DeliveryOut.model_validate(row._mapping, from_attributes=False) for row in rows]
    )
