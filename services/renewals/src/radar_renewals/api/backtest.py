"""Does the risk score predict churn? The backtest over stored history, as JSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from radar_renewals.api.deps import Day, Renewals, checked_range
from radar_renewals.domain.backtest import RULES_QUALITY, BacktestReport
from radar_renewals.domain.predictions import DEFAULT_HORIZON_DAYS, Backtest
from radar_renewals.store.facts import closed_histories
from radar_runtime import SessionDep

router = APIRouter(prefix="/v1", tags=["backtest"])


@router.get("/backtest")
async def get_backtest(
    session: SessionDep,
    renewals: Renewals,
    start: Annotated[Day, Query(alias="from", description="First renewal date, inclusive.")],
    end: Annotated[Day, Query(alias="to", description="Last renewal date, inclusive.")],
    horizon_days: Annotated[int, Query(ge=0, le=365)] = DEFAULT_HORIZON_DAYS,
) -> dict[str, Any]:
    """AUC of the risk score for churn, Brier score of p_renew and a calibration table."""
    today = renewals.today()
    start, end = checked_range(start, end)
    backtest = Backtest(start, end, horizon_days)
    async for facts in closed_histories(session, start, end):
        backtest.score(renewals.evaluator, facts, today)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "horizon_days": horizon_days,
        **report_view(backtest.report()),
        "rules_quality": RULES_QUALITY,
    }


def report_view(report: BacktestReport) -> dict[str, Any]:
    return {
        "count": report.count,
        "churned": report.churned,
        "auc": None if report.auc is None else round(report.auc, 4),
        "brier": None if report.brier is None else round(report.brier, 4),
        "calibration": [
            {
                "p_renew_from": round(row.low, 2),
                "p_renew_to": round(row.high, 2),
                "count": row.count,
                "mean_predicted": _rounded(row.mean_predicted),
                "observed_renewal_rate": _rounded(row.observed_rate),
            }
            for row in report.bins
        ],
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
