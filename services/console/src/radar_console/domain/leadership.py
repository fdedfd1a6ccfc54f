"""Leadership: the forecast's three views per currency with where they differ, KPI tiles
with the counts behind each, and the report's charts from the forecast API's rows
(drawn by radar_charts, the same functions the HTML report uses)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import radar_charts

from .formats import money

# A difference this large, as a share of the open ARR, is worth leadership's look.
NOTABLE_SHARE = 0.10
VIEW_ROWS = (("commit", "Commit"), ("best_case", "Best case"))


@dataclass(frozen=True, slots=True)
class ViewLine:
    category: str
    crm: float
    model: float
    manager: float
    notable: tuple[str, ...]  # which pairs differ notably: "manager/crm", ...


@dataclass(frozen=True, slots=True)
class CurrencyViews:
    currency: str
    open_arr: float
    called: int
    not_called: int
    lines: tuple[ViewLine, ...]


def three_views(totals: Sequence[Mapping[str, Any]]) -> list[CurrencyViews]:
    """One block per currency from the forecast's `totals` rows."""
    blocks = []
    for total in totals:
        views = total["views"]
        open_arr = float(total["open"]["arr"])
        lines = []
        for key, label in VIEW_ROWS:
            crm, model, manager = (
                float(views["crm"][key]),
                float(views["model"][key]),
                float(views["manager"][key]),
            )
            pairs = {"manager/crm": manager - crm, "manager/model": manager - model}
            pairs["crm/model"] = crm - model
            limit = NOTABLE_SHARE * open_arr
            notable = tuple(name for name, gap in pairs.items() if open_arr and abs(gap) >= limit)
            lines.append(ViewLine(label, crm, model, manager, notable))
        blocks.append(
            CurrencyViews(
                total.get("currency") or "",
                open_arr,
                int(views["manager"]["called"]),
                int(views["manager"]["not_called"]),
                tuple(lines),
            )
        )
    return blocks


def report_charts(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The report's three charts from forecast rows (ungrouped, by month) and on-time rates
    per period: renewals due by state across currencies, ARR at risk per currency."""
    by_period: dict[str, dict[str, int]] = {}
    rates: dict[str, tuple[int, int]] = {}
    for row in rows:
        counts = by_period.setdefault(row["period"], {})
        for state, count in row["states"].items():
            counts[state] = counts.get(state, 0) + int(count)
        on_time, resolved = rates.get(row["period"], (0, 0))
        states = row["states"]
        resolved_now = sum(
            int(states.get(s, 0))
            for s in ("renewed_early", "renewed_on_time", "renewed_late", "churned")
        )
        early_or_on_time = int(states.get("renewed_early", 0)) + int(
            states.get("renewed_on_time", 0)
        )
        rates[row["period"]] = (on_time + early_or_on_time, resolved + resolved_now)
    periods = list(by_period)
    charts = [radar_charts.renewals_due_chart(periods, [by_period[p] for p in periods])]
    for currency in sorted({row["currency"] for row in rows if row.get("currency")}):
        mine = [row for row in rows if row.get("currency") == currency]
        charts.append(
            radar_charts.arr_at_risk_chart(
                [row["period"] for row in mine],
                [float(row["due"]["arr"]) for row in mine],
                [float(row["at_risk"]["arr"]) for row in mine],
                currency,
            )
        )
    charts.append(
        radar_charts.on_time_rate_chart(
            periods, [(n / d if d else None) for n, d in (rates[p] for p in periods)]
        )
    )
    return charts


@dataclass(frozen=True, slots=True)
class Tile:
    label: str
    value: float | None
    basis: str  # the counts or ARR behind the figure


def kpi_tiles(row: Mapping[str, Any]) -> list[Tile]:
    """The four KPIs of one `GET /v1/kpis` row, each with what it is computed from."""
    code = row.get("currency") or ""
    resolved = row["resolved_count"]
    grr, nrr = row["grr"], row["nrr"]
    return [
        Tile(
            "On-time renewal rate",
            row["on_time_rate"]["value"],
            f"{row['on_time_rate']['numerator']} of {resolved} resolved",
        ),
        Tile(
            "Gross revenue retention",
            grr["value"],
            f"{money(grr['start_arr'], code)} due, {money(grr['churned_arr'], code)} churned, "
            f"{money(grr['contraction_arr'], code)} contraction",
        ),
        Tile(
            "Net revenue retention",
            nrr["value"],
            f"{money(nrr['start_arr'], code)} due, +{money(nrr['expansion_arr'], code)} expansion",
        ),
        Tile(
            "Logo retention",
            row["logo_retention"]["value"],
            f"{row['logo_retention']['numerator']} of {resolved} renewed",
        ),
    ]
