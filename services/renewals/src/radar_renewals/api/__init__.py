"""HTTP routes of the renewals service."""

from radar_renewals.api.backtest import router as backtest_router
from radar_renewals.api.calls import router as calls_router
from radar_renewals.api.forecast import router as forecast_router
from radar_renewals.api.opportunities import router as opportunities_router
from radar_renewals.api.renewals import router as renewals_router
from radar_renewals.api.report import router as report_router

ROUTERS = (
    renewals_router,
    calls_router,
    forecast_router,
    report_router,
    backtest_router,
    opportunities_router,
)
