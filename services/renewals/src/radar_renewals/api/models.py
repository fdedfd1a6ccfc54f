"""What the API returns: terms, their history and alerts, forecast and KPI rows, as
JSON-ready dicts (plain data, which the routes serialise as is).

Money is a number rounded to the cent, in the currency its row or term names: totals are
made per currency, and in the reporting currency only through the rule file's rates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from radar_renewals.domain.calls import disagree
from radar_renewals.domain.forecast import FORECAST_FIELDS, ForecastRow, combine
from radar_renewals.domain.kpis import KpiRow
from radar_renewals.domain.policy import CurrencyPolicy
from radar_renewals.domain.terms import State


def amount(value: Decimal | float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def term_view(row: Any, today: date) -> dict[str, Any]:
    """One `terms` row as the renewals list shows it."""
    return {
        "subscription_id": row.subscription_id,
        "account_id": row.account_id,
        "account_name": row.account_name,
        "segment": row.segment,
        "region": row.region,
        "owner": row.owner,
        "term_start": row.start_date.isoformat(),
        "renewal_date": row.end_date.isoformat(),
        "days_to_renewal": (row.end_date - today).days,
        "is_current": row.is_current,
        "state": row.state,
        "timing": row.timing,
        "arr": amount(row.arr),
        "currency": row.currency,
        "plan": row.plan,
        "seats": row.seats,
        "auto_renew": row.auto_renew,
        "risk_score": row.risk_score,
        "risk_band": row.risk_band,
        "p_renew": row.p_renew,
        "expected_arr": amount(row.expected_arr),
        "health": (
            {"score": row.health_score, "band": row.health_band}
            if row.health_score is not None
            else None
        ),
        "opportunity": (
            {
                "stage": row.opportunity_stage,
                "forecast_category": row.forecast_category,
                "amount": amount(row.opportunity_amount),
                "close_date": _iso(row.opportunity_close_date),
            }
            if row.opportunity_stage is not None
            else None
        ),
        "booking": (
            {
                "booked_at": _iso(row.booked_at),
                "new_arr": amount(row.new_arr),
                "new_end_date": _iso(row.new_end_date),
            }
            if row.booked_at is not None
            else None
        ),
        "cancellation": (
            {"effective_date": _iso(row.cancelled_effective), "reason": row.cancel_reason}
            if row.cancelled_effective is not None
            else None
        ),
        "evaluated_on": row.evaluated_on.isoformat(),
    }


def change_view(change: Any) -> dict[str, Any]:
    """One `state_changes` row."""
    return {
        "id": change.id,
        "at": change.at.isoformat(),
        "term_start": change.term_start.isoformat(),
        "state": change.state,
        "previous_state": change.previous_state,
        "risk_score": change.risk_score,
        "risk_band": change.risk_band,
        "previous_risk_band": change.previous_risk_band,
        "p_renew": change.p_renew,
    }


def alert_view(alert: Any) -> dict[str, Any]:
    """One `active_alerts` row, without the alert's full payload."""
    return {
        "rule": alert.rule,
        "severity": alert.severity,
        "dedup_key": alert.dedup_key,
        "raised_at": alert.raised_at.isoformat(),
        "title": alert.alert.get("title"),
    }


def forecast_view(row: ForecastRow) -> dict[str, Any]:
    return {
        "period": row.period_label,
        "period_start": row.period_start.isoformat(),
        "group": row.group,
        "currency": row.currency,
        "due": {"count": row.due_count, "arr": amount(row.due_arr)},
        "booked": {"count": row.booked_count, "arr": amount(row.booked_arr)},
        "churned": {"count": row.churned_count, "arr": amount(row.churned_arr)},
        "open": {"count": row.open_count, "arr": amount(row.open_arr)},
        "expected_arr": amount(row.expected_arr),
        "commit_arr": amount(row.commit_arr),
        "best_case_arr": amount(row.best_case_arr),
        "pipeline_arr": amount(row.pipeline_arr),
        "at_risk": {"count": row.at_risk_count, "arr": amount(row.at_risk_arr)},
        "states": {state.value: row.state_counts.get(state, 0) for state in State},
        **three_views(row),
    }


def three_views(row: ForecastRow) -> dict[str, Any]:
    """The open renewals as the CRM, the model and the managers see them, side by side,
    each at the category ARR; `differences` are what a screen highlights."""
    crm = {
        "commit": row.commit_arr,
        "best_case": row.best_case_arr,
        "pipeline": row.pipeline_arr,
        "omitted": row.omitted_arr,
    }
    model = {
        "commit": row.model_commit_arr,
        "best_case": row.model_best_case_arr,
        "at_risk": row.model_at_risk_arr,
    }
    manager = {
        "commit": row.call_commit_arr,
        "best_case": row.call_best_case_arr,
        "at_risk": row.call_at_risk_arr,
        "omitted": row.call_omitted_arr,
    }
    return {
        "views": {
            "crm": {name: amount(value) for name, value in crm.items()},
            "model": {
                "expected_arr": amount(row.expected_arr),
                **{name: amount(value) for name, value in model.items()},
            },
            "manager": {
                **{name: amount(value) for name, value in manager.items()},
                "called": row.called_count,
                "not_called": row.open_count - row.called_count,
            },
        },
        "differences": {
            name: {
                "manager_minus_crm": amount(manager[name] - crm[name]),
                "manager_minus_model": amount(manager[name] - model[name]),
                "crm_minus_model": amount(crm[name] - model[name]),
            }
            for name in ("commit", "best_case")
        },
    }


def disagreement_view(row: Any, today: date) -> dict[str, Any]:
    """An open renewal whose views are two steps apart or more, and which ones are."""
    views = {
        "crm": row.forecast_category,
        "model": row.model_category,
        "manager": row.call_category,
    }
    pairs = [("manager", "crm"), ("manager", "model"), ("crm", "model")]
    return {
        "subscription_id": row.subscription_id,
        "account_id": row.account_id,
        "account_name": row.account_name,
        "owner": row.owner,
        "renewal_date": row.end_date.isoformat(),
        "days_to_renewal": (row.end_date - today).days,
        "arr": amount(row.arr),
        "currency": row.currency,
        "p_renew": row.p_renew,
        "views": views,
        "apart": [f"{a}/{b}" for a, b in pairs if disagree(views[a], views[b])],
    }


FORECAST_CSV_COLUMNS = ("period", "period_start", "group", "currency", *FORECAST_FIELDS)


def forecast_csv_row(row: ForecastRow) -> list[object]:
    values: dict[str, object] = {
        "period": row.period_label,
        "period_start": row.period_start.isoformat(),
        "group": row.group or "",
        "currency": row.currency or "",
    }
    for name in FORECAST_FIELDS:
        value = getattr(row, name)
        values[name] = f"{value:.2f}" if isinstance(value, Decimal) else value
    return [values[name] for name in FORECAST_CSV_COLUMNS]


def kpi_view(row: KpiRow) -> dict[str, Any]:
    """Each rate with the counts or ARR it is computed from."""
    resolved = row.resolved_count
    return {
        "group": row.group,
        "currency": row.currency,
        "due_count": row.due_count,
        "resolved_count": resolved,
        "open": {"count": row.open_count, "arr": amount(row.open_arr)},
        "counts": {
            "renewed_early": row.early_count,
            "renewed_on_time": row.on_time_count,
            "renewed_late": row.late_count,
            "churned": row.churned_count,
        },
        "on_time_rate": _rate(row.on_time_rate, row.early_count + row.on_time_count, resolved),
        "early_rate": _rate(row.early_rate, row.early_count, resolved),
        "late_rate": _rate(row.late_rate, row.late_count, resolved),
        "logo_retention": _rate(row.logo_retention, row.renewed_count, resolved),
        "grr": {
            "value": _ratio(row.grr),
            "start_arr": amount(row.start_arr),
            "contraction_arr": amount(row.contraction_arr),
            "churned_arr": amount(row.churned_arr),
        },
        "nrr": {
            "value": _ratio(row.nrr),
            "start_arr": amount(row.start_arr),
            "expansion_arr": amount(row.expansion_arr),
            "contraction_arr": amount(row.contraction_arr),
            "churned_arr": amount(row.churned_arr),
        },
    }


def per_currency_totals(rows: Sequence[ForecastRow]) -> list[ForecastRow]:
    """One total row per currency, in the order the rows name them."""
    by_currency: dict[str | None, list[ForecastRow]] = {}
    for row in rows:
        by_currency.setdefault(row.currency, []).append(row)
    return [replace(combine(group, label="total"), group=None) for group in by_currency.values()]


def reporting_view(
    policy: CurrencyPolicy,
    converted_rows: Sequence[Any] | None,
    view: Callable[[Any], dict[str, Any]],
    totals: Any = None,
) -> dict[str, Any] | None:
    """The rows converted to the reporting currency, with the rates used; None when a
    currency present has no rate in the rule file."""
    if converted_rows is None:
        return None
    return {
        "currency": policy.reporting,
        "rates": dict(sorted(policy.rates.items())),
        "rows": [view(row) for row in converted_rows],
        **({"totals": view(totals)} if totals is not None else {}),
    }


def _rate(value: float | None, numerator: int, denominator: int) -> dict[str, Any]:
    return {"value": _ratio(value), "numerator": numerator, "denominator": denominator}


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
