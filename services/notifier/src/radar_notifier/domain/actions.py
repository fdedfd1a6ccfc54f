"""What a person may do to an alert, wherever they do it (the API, a Slack button, an
email link): acknowledge it, snooze it, end a snooze, or say it was not useful and why.

Actions travel in Slack button values and signed email links as short codes:
`ack`, `snooze:7d`, `snooze:renewal`, `unsnooze`, `not_useful`, `not_useful:wrong`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from radar_notifier.domain.alerts import AlertView
from radar_notifier.domain.durations import format_duration, parse_duration
from radar_notifier.domain.fatigue import acknowledge, snooze, unsnooze
from radar_notifier.domain.notices import AlertRecord
from radar_notifier.domain.worsening import Renotify, baseline

# The longest snooze a code may ask for.
MAX_SNOOZE = timedelta(days=366)


class Verb(StrEnum):
    ACK = "ack"
    SNOOZE = "snooze"
    UNSNOOZE = "unsnooze"
    NOT_USEFUL = "not_useful"


class Reason(StrEnum):
    """Why an alert was not useful; what the rule's owner reads to tune it."""

    WRONG = "wrong"
    ALREADY_KNOWN = "already_known"
    NOT_ACTIONABLE = "not_actionable"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# The audit log's name of each action.
AUDITED = {
    Verb.ACK: "alert.acked",
    Verb.SNOOZE: "alert.snoozed",
    Verb.UNSNOOZE: "alert.unsnoozed",
    Verb.NOT_USEFUL: "alert.marked_not_useful",
}


class Refused(Exception):
    """The action cannot apply (to this alert, now, from this link); `status` is the
    HTTP answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Action:
    verb: Verb
    # A snooze ends at `until`, after `snooze_for`, or when the alert's renewal is due.
    until: datetime | None = None
    snooze_for: timedelta | None = None
    until_renewal: bool = False
    reason: Reason | None = None
    note: str | None = None

    @property
    def code(self) -> str:
        if self.verb is Verb.SNOOZE:
            length = (
                "renewal" if self.until_renewal else format_duration(self.snooze_for or MAX_SNOOZE)
            )
            return f"snooze:{length}"
        if self.verb is Verb.NOT_USEFUL and self.reason is not None:
            return f"not_useful:{self.reason}"
        return self.verb.value


def action_from_code(code: str) -> Action:
    """The action a code names; ValueError when it names none."""
    verb_text, _, argument = code.partition(":")
    verb = Verb(verb_text)
    if verb is Verb.SNOOZE:
        if argument == "renewal":
            return Action(verb, until_renewal=True)
        length = parse_duration(argument)
        if not timedelta(0) < length <= MAX_SNOOZE:
            raise ValueError(f"a snooze lasts between 1s and {MAX_SNOOZE.days} days")
        return Action(verb, snooze_for=length)
    if verb is Verb.NOT_USEFUL:
        return Action(verb, reason=Reason(argument) if argument else None)
    if argument:
        raise ValueError(f"{verb} takes no argument")
    return Action(verb)


def snooze_end(action: Action, view: AlertView, now: datetime) -> datetime:
    if action.until_renewal:
        if view.renewal_date is None:
            raise Refused(422, "no_renewal", "the alert names no renewal date to snooze until")
        end = datetime.combine(view.renewal_date, time(0), tzinfo=UTC)
    elif action.snooze_for is not None:
        end = now + action.snooze_for
    else:
        assert action.until is not None  # a snooze names one of the three
        end = action.until
    if end <= now:
        raise Refused(422, "until_not_in_future", "the snooze would end in the past")
    return end


def perform(
    record: AlertRecord,
    action: Action,
    by: str,
    now: datetime,
    watched: Sequence[Renotify] = (),
) -> None:
    """Change the alert's fatigue state as `action` says, done by `by` (a name);
    an acknowledgement keeps the `watched` measures, to tell when it gets worse."""
    match action.verb:
        case Verb.ACK:
            if not record.raised:
                raise Refused(
                    409, "resolved", "the alert is resolved; there is nothing to acknowledge"
                )
            record.state = acknowledge(record.state, by, now, baseline(record.view, watched))
            record.recheck_at = None
        case Verb.SNOOZE:
            until = snooze_end(action, record.view, now)
            record.state = snooze(record.state, until, now)
            # When the snooze ends, whoever was not told yet is told then.
            record.recheck_at = until if record.raised else None
        case Verb.UNSNOOZE:
            record.state = unsnooze(record.state)
            record.recheck_at = now if record.raised else None
        case Verb.NOT_USEFUL:
            if action.reason is None:
                raise Refused(422, "reason_required", "say why the alert was not useful")
            if record.state.first_raised_at is None:
                raise Refused(409, "never_raised", "the alert was never raised")
