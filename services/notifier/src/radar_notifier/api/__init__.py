"""HTTP API. `router`: alerts with their fatigue state, ack, snooze and feedback, the
delivery log, behind a bearer credential like every service's routes. `signed`: what
people and other parties call with a signature instead (Slack's button clicks, the
notifier's own signed email links)."""

from fastapi import APIRouter

from radar_notifier.api import alerts, deliveries, links, quality, slack

router = APIRouter(prefix="/v1", tags=["notifications"])
router.include_router(alerts.router)
router.include_router(deliveries.router)
router.include_router(quality.router)

signed = APIRouter(prefix="/v1", tags=["signed by the caller"])
signed.include_router(slack.router)
signed.include_router(links.router)
