"""HTTP API: alerts with their fatigue state, ack and snooze, and the delivery log."""

from fastapi import APIRouter

from radar_notifier.api import alerts, deliveries

router = APIRouter(prefix="/v1", tags=["notifications"])
router.include_router(alerts.router)
router.include_router(deliveries.router)
