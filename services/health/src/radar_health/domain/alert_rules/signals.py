"""Rules on the account's signals: usage, engagement, contacts, tickets and NPS.

Each holds while its state holds:
- `usage.sharp_drop`: last `recent_days` ≤ `threshold_percent` of the mean of the
  `baseline_days` before (per `recent_days`); needs a baseline mean > 0 and ≥ `min_baseline`.
- `engagement.silent`: the last engagement is `days` or more old; an account with no
  engagement at all counts once its first event is `days` old (a new account is not silent).
- `champion.left`: a contact in a watched role left and no contact in that role is present
  now; one alert per departed contact, resolved when the role is filled again. Severity
  rises to `near_renewal_severity` when the renewal is fewer than `near_renewal_days` away.
- `support.escalation`: one alert per open ticket that is escalated or of a watched
  priority; resolved when the ticket closes or is neither any more.
- `nps.detractor`: one alert per contact whose latest NPS is ≤ `max_score`; cleared by a
  later NPS above it or `clears_after_days` after the detractor response.
"""

from datetime import date, timedelta

from radar_health.domain import formatting as fmt
from radar_health.domain.alert_rules.context import RuleContext, at_most
from radar_health.domain.alert_rules.settings import SupportEscalationSettings
from radar_health.domain.alerts import Condition, Driver, dedup_key
from radar_health.domain.instants import days_until, elapsed_days
from radar_health.domain.signals import (
    AccountSignals,
    NpsResponse,
    OpenTicket,
    recent_vs_baseline,
)
from radar_schemas.common import AlertRule


def usage_sharp_drop(ctx: RuleContext) -> list[Condition]:
    settings = ctx.rules.usage_sharp_drop
    usage = recent_vs_baseline(
        ctx.signals.daily_active_usage, ctx.as_of, settings.recent_days, settings.baseline_days
    )
    ratio = usage.ratio_percent
    if ratio is None or usage.baseline_mean < settings.min_baseline:
        return []
    if not at_most(ratio, settings.threshold_percent):
        return []
    recent, baseline = settings.recent_days, settings.baseline_days
    return [
        Condition(
            rule=AlertRule.USAGE_SHARP_DROP,
            severity=settings.severity,
            dedup_key=dedup_key(AlertRule.USAGE_SHARP_DROP, ctx.account_id),
            account_id=ctx.account_id,
            title=f"Active usage dropped to {fmt.percent(ratio)} of normal",
            summary=(
                f"Active usage {fmt.number(usage.recent)} in the last {recent} days vs a mean of"
                f" {fmt.number(usage.baseline_mean)} per {recent} days over the {baseline}"
                f" days before ({fmt.percent(ratio)})."
            ),
            drivers=(
                Driver(
                    "usage_ratio_percent",
                    round(ratio, 1),
                    f"{fmt.percent(ratio)} of the usual level"
                    f" (alert at {fmt.percent(settings.threshold_percent)} or less)",
                ),
                Driver("recent_usage", usage.recent, f"Last {recent} days"),
                Driver("baseline_mean", round(usage.baseline_mean, 2), f"Over {baseline} days"),
            ),
            recommended_actions=settings.actions,
        )
    ]


def engagement_silent(ctx: RuleContext) -> list[Condition]:
    settings = ctx.rules.engagement_silent
    last = ctx.signals.last_engagement_at
    since = last if last is not None else ctx.signals.first_seen_at
    if since is None:
        return []
    if ctx.as_of - since < timedelta(days=settings.days):
        return []
    # The same count of whole days as the engagement_recency measure shows.
    silent_days = int(elapsed_days(since, ctx.as_of))
    day = since.date().isoformat()
    title = f"No engagement {'' if last is not None else 'logged '}since {day}"
    detail = (
        f"Last engagement on {day}"
        if last is not None
        else f"No engagement logged since the account appeared on {day}"
    )
    when = f"{fmt.plural(silent_days, 'day')} before {ctx.as_of.date().isoformat()}"
    return [
        Condition(
            rule=AlertRule.ENGAGEMENT_SILENT,
            severity=settings.severity,
            dedup_key=dedup_key(AlertRule.ENGAGEMENT_SILENT, ctx.account_id),
            account_id=ctx.account_id,
            title=title,
            summary=f"{detail}, {when}; alert after {settings.days} days.",
            drivers=(Driver("days_since_engagement", silent_days, f"{detail}, {when}"),),
            recommended_actions=settings.actions,
        )
    ]


def champion_left(ctx: RuleContext) -> list[Condition]:
    settings = ctx.rules.champion_left
    contacts = ctx.signals.contacts
    filled_roles = {c.role for c in contacts if c.present}
    renewal = ctx.signals.renewal_date
    days_to_renewal = days_until(renewal, ctx.as_of) if renewal is not None else None
    near = days_to_renewal is not None and days_to_renewal < settings.near_renewal_days
    severity = settings.near_renewal_severity if near else settings.severity
    conditions = []
    for contact in sorted(contacts, key=lambda c: c.contact_id):
        if contact.present or contact.role not in settings.roles:
            continue
        if contact.role in filled_roles:
            continue  # the role is covered by another contact
        role = contact.role.replace("_", " ")
        who = ctx.signals.person(contact.contact_id)
        left = f"{role.capitalize()} {who} left on {contact.changed_at.date()}"
        drivers = [Driver("contact", contact.contact_id, f"{left}, nobody named since")]
        if days_to_renewal is not None:
            drivers.append(Driver("days_to_renewal", days_to_renewal, f"Renewal date {renewal}"))
        conditions.append(
            Condition(
                rule=AlertRule.CHAMPION_LEFT,
                severity=severity,
                dedup_key=dedup_key(AlertRule.CHAMPION_LEFT, ctx.account_id, contact.contact_id),
                account_id=ctx.account_id,
                title=f"{role.capitalize()} {who} left",
                summary=f"{left}; no {role} named since." + _renewal_note(renewal, days_to_renewal),
                drivers=tuple(drivers),
                recommended_actions=settings.actions,
                subject_id=contact.contact_id,
                person=who,
            )
        )
    return conditions


def _renewal_note(renewal: date | None, days_to_renewal: int | None) -> str:
    # Dated, not "in N days": the alert may be read long after it was raised.
    if renewal is None or days_to_renewal is None:
        return ""
    if days_to_renewal < 0:
        return f" The renewal date {renewal} had passed."
    return f" Renewal on {renewal}, {fmt.plural(days_to_renewal, 'day')} later."


def escalations(signals: AccountSignals, settings: SupportEscalationSettings) -> list[OpenTicket]:
    """The open tickets `support.escalation` is raised for: escalated or of a watched
    priority (none while the rule is off). `health.scored` carries their count."""
    if not settings.enabled:
        return []
    return sorted(
        (t for t in signals.open_tickets or () if t.escalated or t.priority in settings.priorities),
        key=lambda t: t.ticket_id,
    )


def support_escalation(ctx: RuleContext) -> list[Condition]:
    settings = ctx.rules.support_escalation
    conditions = []
    for ticket in escalations(ctx.signals, settings):
        watched_priority = ticket.priority in settings.priorities
        what = "escalated" if ticket.escalated else f"{ticket.priority} priority"
        if ticket.escalated and watched_priority:
            what = f"{ticket.priority} priority and escalated"
        age = ""
        if ticket.opened_at is not None:
            age = f", open {fmt.plural(int(elapsed_days(ticket.opened_at, ctx.as_of)), 'day')}"
        conditions.append(
            Condition(
                rule=AlertRule.SUPPORT_ESCALATION,
                severity=settings.severity,
                dedup_key=dedup_key(AlertRule.SUPPORT_ESCALATION, ctx.account_id, ticket.ticket_id),
                account_id=ctx.account_id,
                title=f"Ticket {ticket.ticket_id} is {what}",
                summary=f"Support ticket {ticket.ticket_id} is {what}{age}.",
                drivers=(
                    Driver("ticket_id", ticket.ticket_id, f"Priority {ticket.priority}{age}"),
                    Driver("escalated", str(ticket.escalated).lower(), what),
                ),
                recommended_actions=settings.actions,
                subject_id=ticket.ticket_id,
            )
        )
    return conditions


def nps_detractor(ctx: RuleContext) -> list[Condition]:
    settings = ctx.rules.nps_detractor
    conditions = []
    for contact_id, response in sorted(_latest_nps_by_contact(ctx).items()):
        if response.score > settings.max_score:
            continue
        if ctx.as_of - response.at >= timedelta(days=settings.clears_after_days):
            continue
        when = response.at.date().isoformat()
        who = ctx.signals.person(contact_id)
        conditions.append(
            Condition(
                rule=AlertRule.NPS_DETRACTOR,
                severity=settings.severity,
                dedup_key=dedup_key(AlertRule.NPS_DETRACTOR, ctx.account_id, contact_id),
                account_id=ctx.account_id,
                title=f"NPS detractor: {response.score}/10 from {who}",
                summary=(
                    f"{who} answered NPS {response.score} on {when}"
                    f" (detractor at {settings.max_score} or less)."
                ),
                drivers=(Driver("nps", response.score, f"NPS {response.score} on {when}"),),
                recommended_actions=settings.actions,
                subject_id=contact_id,
                person=who,
            )
        )
    return conditions


def _latest_nps_by_contact(ctx: RuleContext) -> dict[str, NpsResponse]:
    """Each contact's newest response at or before as_of (ties: the higher score)."""
    latest: dict[str, NpsResponse] = {}
    for response in ctx.signals.nps_responses:
        if response.at > ctx.as_of:
            continue
        known = latest.get(response.contact_id)
        if known is None or (response.at, response.score) > (known.at, known.score):
            latest[response.contact_id] = response
    return latest
