"""Rules on the health score itself: band drops and sharp declines.

`health.band_dropped` is a transition, turned into a condition over state like this:
- dedup_key `health.band_dropped:<account>:<band dropped to>` (`red` or `yellow`), so a
  yellow→red drop raises a critical alert beside the open warning (the notifier's
  inhibition mutes the warning) and a recovery red→yellow resolves only the critical;
- it *raises* on the recompute where the band falls (to red from green or yellow:
  `to_red_severity`; green→yellow: `green_to_yellow_severity`);
- it *holds* (sustain-only, never raises again) while the band stays at or below the
  band dropped to, and resolves once the band rises above it.
"""

from radar_health.domain import formatting as fmt
from radar_health.domain.alert_rules.context import RuleContext, at_most, weakest_components
from radar_health.domain.alerts import Condition, Driver, dedup_key
from radar_health.domain.bands import band_rank
from radar_schemas.common import AlertRule, Band


def band_dropped(ctx: RuleContext) -> list[Condition]:
    settings = ctx.rules.band_dropped
    band, score = ctx.current.band, ctx.current.score
    if band is None or score is None:
        return []
    before = ctx.previous.band if ctx.previous is not None else None
    targets = (
        (Band.RED, settings.to_red_severity),
        (Band.YELLOW, settings.green_to_yellow_severity),
    )
    conditions = []
    for target, severity in targets:
        if band_rank(band) > band_rank(target):
            continue
        # Above yellow is only green, so the yellow target catches exactly green→yellow.
        dropped_now = (
            before is not None and band == target and band_rank(before) > band_rank(target)
        )
        # The band it came from, when it moved: a held alert's score may not have.
        was = f", was {before.value}" if before is not None and before != band else ""
        conditions.append(
            Condition(
                rule=AlertRule.HEALTH_BAND_DROPPED,
                severity=severity,
                dedup_key=dedup_key(AlertRule.HEALTH_BAND_DROPPED, ctx.account_id, target.value),
                account_id=ctx.account_id,
                title=f"Health dropped to {target.value}",
                summary=f"Health score {fmt.number(score)} ({band.value}{was}).",
                drivers=(
                    Driver("health_score", score, f"Health {fmt.number(score)}, {band.value}"),
                    *weakest_components(ctx.current),
                ),
                recommended_actions=settings.actions,
                sustain_only=not dropped_now,
            )
        )
    return conditions


def sharp_decline(ctx: RuleContext) -> list[Condition]:
    settings = ctx.rules.sharp_decline
    score = ctx.current.score
    if ctx.trend is None or score is None:
        return []
    days = settings.window_days
    then = ctx.trend.score_days_ago(days)
    if then is None:
        return []
    fall = round(then - score, 1)
    if not at_most(settings.points, fall):
        return []
    return [
        Condition(
            rule=AlertRule.HEALTH_SHARP_DECLINE,
            severity=settings.severity,
            dedup_key=dedup_key(AlertRule.HEALTH_SHARP_DECLINE, ctx.account_id),
            account_id=ctx.account_id,
            title=f"Health fell {fmt.number(fall)} points in {days} days",
            summary=f"Health score {fmt.number(score)}; {days} days ago it was {fmt.number(then)}.",
            drivers=(
                Driver(
                    "score_change",
                    -fall,
                    f"{fmt.number(then)} → {fmt.number(score)} in {days} days"
                    f" (alert at a fall of {fmt.number(settings.points)})",
                ),
                *weakest_components(ctx.current),
            ),
            recommended_actions=settings.actions,
        )
    ]
