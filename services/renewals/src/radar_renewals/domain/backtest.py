"""Does the risk score predict churn? AUC, Brier score and a calibration table.

Run over closed terms (renewed or churned), each with the risk score and p_renew it
had before the outcome was known; the caller picks that as-of date.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from radar_renewals.domain.terms import RENEWED_STATES, State

# The other half of the question, per alert rule rather than per score: the notifier
# counts how often each rule's accounts later churned or renewed.
RULES_QUALITY = (
    "each alert rule's precision as an early warning (raised, acked, not useful, "
    "accounts that later churned or renewed): the notifier's GET /v1/rules/quality"
)


@dataclass(frozen=True, slots=True)
class Prediction:
    risk_score: float
    p_renew: float
    renewed: bool


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    low: float
    high: float
    count: int
    mean_predicted: float | None  # mean p_renew in the bin
    observed_rate: float | None  # share that actually renewed


@dataclass(frozen=True, slots=True)
class BacktestReport:
    count: int
    churned: int
    auc: float | None  # None when only one outcome occurred
    brier: float | None
    bins: tuple[CalibrationBin, ...]

    def to_text(self) -> str:
        auc = "n/a" if self.auc is None else f"{self.auc:.3f}"
        brier = "n/a" if self.brier is None else f"{self.brier:.3f}"
        lines = [
            f"terms: {self.count} (churned {self.churned})   AUC: {auc}   Brier: {brier}",
            f"{'p_renew':<11} {'count':>6} {'predicted':>10} {'observed':>9}",
        ]
        for row in self.bins:
            lines.append(
                f"{row.low:.1f}–{row.high:.1f}".ljust(11)
                + f" {row.count:>6} {_percent(row.mean_predicted):>10} "
                + f"{_percent(row.observed_rate):>9}"
            )
        return "\n".join(lines)


def outcome_of(state: State) -> bool | None:
    """True renewed, False churned, None still open (not usable in a backtest)."""
    if state in RENEWED_STATES:
        return True
    if state is State.CHURNED:
        return False
    return None


def run_backtest(predictions: Sequence[Prediction], bins: int = 10) -> BacktestReport:
    scores = [p.risk_score for p in predictions]
    probabilities = [p.p_renew for p in predictions]
    renewed = [p.renewed for p in predictions]
    churned = [not outcome for outcome in renewed]
    return BacktestReport(
        count=len(predictions),
        churned=sum(churned),
        auc=auc(scores, churned),
        brier=brier(probabilities, renewed) if predictions else None,
        bins=tuple(calibration_table(probabilities, renewed, bins)),
    )


def auc(scores: Sequence[float], churned: Sequence[bool]) -> float | None:
    """Chance a churned term scored higher than a renewed one (ties count half).

    Rank-based (Mann–Whitney U) with average ranks for ties; None without both outcomes.
    """
    _same_length(scores, churned)
    positives = sum(churned)
    negatives = len(churned) - positives
    if positives == 0 or negatives == 0:
        return None
    ranks = _average_ranks(scores)
    rank_sum = sum(rank for rank, is_churned in zip(ranks, churned, strict=True) if is_churned)
    u_statistic = rank_sum - positives * (positives + 1) / 2
    return u_statistic / (positives * negatives)


def brier(probabilities: Sequence[float], outcomes: Sequence[bool]) -> float:
    """Mean squared error of p_renew against renewed (1) / churned (0); lower is better."""
    _same_length(probabilities, outcomes)
    if not probabilities:
        raise ValueError("brier score of no predictions")
    errors = [(p - float(o)) ** 2 for p, o in zip(probabilities, outcomes, strict=True)]
    return sum(errors) / len(errors)


def calibration_table(
    probabilities: Sequence[float], outcomes: Sequence[bool], bins: int = 10
) -> list[CalibrationBin]:
    """Equal-width p_renew bins (deciles of probability by default), empty bins included.

    Equal-width rather than equal-count bins, so a table reads the same across runs.
    """
    _same_length(probabilities, outcomes)
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    members: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for p, renewed in zip(probabilities, outcomes, strict=True):
        index = min(int(p * bins), bins - 1)  # p = 1.0 belongs to the top bin
        members[max(index, 0)].append((p, renewed))
    table = []
    for index, items in enumerate(members):
        count = len(items)
        table.append(
            CalibrationBin(
                low=index / bins,
                high=(index + 1) / bins,
                count=count,
                mean_predicted=sum(p for p, _ in items) / count if count else None,
                observed_rate=sum(1 for _, r in items if r) / count if count else None,
            )
        )
    return table


def _average_ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        average = (start + end) / 2 + 1  # ranks are 1-based
        for position in range(start, end + 1):
            ranks[order[position]] = average
        start = end + 1
    return ranks


def _same_length(first: Sequence[object], second: Sequence[object]) -> None:
    if len(first) != len(second):
        raise ValueError(f"lengths differ: {len(first)} and {len(second)}")


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f} %"
