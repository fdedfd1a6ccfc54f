"""HTTP API. `router`: alerts with their fatigue state, ack, snooze and feedback, the
delivery log, behind a bearer credential like every service's routes. `signed`: what
other parties call with a signature of their own instead (Slack's button clicks)."""

from fastapi import APIRouter

from radar_notifier.api import alerts, deliveries, slack

router = APIRouter(prefix="/v1", tags=["notifications"])
router.include_router(alerts.router)
router.include_router(deliveries.router)

signed = APIRouter(prefix="/v1", tags=["signed by the caller"])
signed.include_router(slack.router)
