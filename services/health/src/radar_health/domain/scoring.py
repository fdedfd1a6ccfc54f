"""compute_health: signals + scorecard → an explainable 0–100 health score.

Missing data: a measure without data is left out and its weight is shared by the
others in proportion. When no weighted measure has data the account is *unscored*:
`score` and `band` are None and `missing` lists every measure.
Rounding: the score is rounded to one decimal and the band is taken from the rounded
score, so what is shown (70.0) and its band (green) always agree.
"""

import math
from dataclasses import dataclass
from datetime import datetime

from radar_health.domain.bands import BandThresholds
from radar_health.domain.instants import require_aware
from radar_health.domain.measures import READERS, NoData
from radar_health.domain.scorecard import Measure, Scorecard
from radar_health.domain.signals import AccountSignals
from radar_schemas.common import Band


@dataclass(frozen=True, slots=True)
class Component:
    """One measure's contribution, with the numbers behind it."""

    measure: Measure
    raw_value: float
    sub_score: float  # 0–100, one decimal
    weight: float  # share of the score in %, after missing measures were left out
    configured_weight: float
    explanation: str


@dataclass(frozen=True, slots=True)
class MissingMeasure:
    measure: Measure
    reason: str


@dataclass(frozen=True, slots=True)
class HealthScore:
    account_id: str
    as_of: datetime
    score: float | None  # None: unscored, no weighted measure had data
    band: Band | None
    components: tuple[Component, ...]
    missing: tuple[MissingMeasure, ...]
    scorecard: str
    bands: BandThresholds

    @property
    def is_scored(self) -> bool:
        return self.score is not None

    @property
    def missing_measures(self) -> tuple[Measure, ...]:
        return tuple(item.measure for item in self.missing)

    def component(self, measure: Measure) -> Component | None:
        return next((c for c in self.components if c.measure == measure), None)


@dataclass(frozen=True, slots=True)
class _Scored:
    measure: Measure
    raw_value: float
    sub_score: float
    weight: float
    explanation: str


def compute_health(signals: AccountSignals, scorecard: Scorecard, as_of: datetime) -> HealthScore:
    require_aware(as_of)
    scored: list[_Scored] = []
    missing: list[MissingMeasure] = []
    for measure in Measure:
        weight = scorecard.weights.of(measure)
        if weight == 0:
            continue  # switched off in this scorecard: neither scored nor "missing"
        result = READERS[measure](signals, scorecard, as_of)
        if isinstance(result, NoData):
            missing.append(MissingMeasure(measure, result.reason))
            continue
        sub_score = scorecard.bounds(measure).sub_score(result.raw_value)
        scored.append(_Scored(measure, result.raw_value, sub_score, weight, result.explanation))

    total_weight = math.fsum(item.weight for item in scored)
    score: float | None = None
    band: Band | None = None
    if scored:
        exact = math.fsum(item.sub_score * item.weight for item in scored) / total_weight
        score = min(100.0, max(0.0, round(exact, 1)))
        band = scorecard.bands.band_for(score)
    return HealthScore(
        account_id=signals.account_id,
        as_of=as_of,
        score=score,
        band=band,
        components=tuple(_component(item, total_weight) for item in scored),
        missing=tuple(missing),
        scorecard=scorecard.name,
        bands=scorecard.bands,
    )


def _component(item: _Scored, total_weight: float) -> Component:
    return Component(
        measure=item.measure,
        raw_value=round(item.raw_value, 2),
        sub_score=round(item.sub_score, 1),
        weight=round(item.weight / total_weight * 100, 2),
        configured_weight=item.weight,
        explanation=item.explanation,
    )
