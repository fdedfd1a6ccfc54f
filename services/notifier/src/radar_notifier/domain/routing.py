"""Who hears about an alert: routes from the rule file turned into concrete recipients."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field

from radar_notifier.domain.alerts import AlertView, Person
from radar_notifier.domain.channels import (
    MANAGER,
    OWNER,
    Channel,
    ChannelKind,
    ChannelSpec,
    is_valid_email,
)
from radar_notifier.domain.durations import PositiveDuration
from radar_notifier.domain.matching import AlertMatcher, alert_matches


class Route(BaseModel):
    """One `[[routes]]` entry: alerts it matches go to its channels."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: Annotated[str, Field(min_length=1)]
    match: AlertMatcher = AlertMatcher()
    # An empty list silences what the route matches (like Alertmanager's null receiver).
    channels: tuple[Channel, ...] = ()
    continue_: bool = Field(default=False, alias="continue")
    # Repeats that lengthen (e.g. 1d, 3d, 7d, then every 7d) instead of the fixed
    # repeat_interval, for the recipients this route reaches.
    repeat: tuple[PositiveDuration, ...] = ()


class DefaultRoute(BaseModel):
    """Where an alert no route matches goes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(min_length=1)]
    channels: Annotated[tuple[Channel, ...], Field(min_length=1)]
    repeat: tuple[PositiveDuration, ...] = ()


class Routing(Protocol):
    """The routes of the rule file, as `route_alert` reads them."""

    @property
    def routes(self) -> Sequence[Route]: ...

    @property
    def default_route(self) -> DefaultRoute: ...


@dataclass(frozen=True)
class Recipient:
    """One destination: an email address or a Slack channel name."""

    kind: ChannelKind
    address: str
    route: str

    @property
    def key(self) -> str:
        """Identity for dedup, throttling and grouping; the route is not part of it."""
        return f"{self.kind}:{self.address.lower()}"


@dataclass(frozen=True)
class SkippedRecipient:
    """A channel a route named that could not be turned into a recipient, and why."""

    channel: str
    route: str
    reason: str


@dataclass(frozen=True)
class RoutingOutcome:
    recipients: tuple[Recipient, ...]
    matched_routes: tuple[str, ...]
    skipped: tuple[SkippedRecipient, ...] = field(default=())


def route_alert(alert: AlertView, routing: Routing) -> RoutingOutcome:
    """Walk the routes Alertmanager-style and collect deduplicated recipients.

    The first matching route stops the walk unless it sets `continue`; when no route
    matches, the default route applies. A recipient reached by several routes is kept
    once, under the first route that reached it.
    """
    matched = []
    for route in routing.routes:
        if alert_matches(route.match, alert):
            matched.append((route.name, route.channels))
            if not route.continue_:
                break
    if not matched:
        matched.append((routing.default_route.name, routing.default_route.channels))

    recipients: dict[str, Recipient] = {}
    skipped: list[SkippedRecipient] = []
    for route_name, channels in matched:
        for channel in channels:
            recipient_or_reason = _recipient(channel, route_name, alert)
            if isinstance(recipient_or_reason, str):
                skipped.append(SkippedRecipient(str(channel), route_name, recipient_or_reason))
            else:
                recipients.setdefault(recipient_or_reason.key, recipient_or_reason)
    return RoutingOutcome(
        recipients=tuple(recipients.values()),
        matched_routes=tuple(name for name, _ in matched),
        skipped=tuple(skipped),
    )


def repeat_schedule(routing: Routing, route: str) -> tuple[timedelta, ...]:
    """The repeat schedule of the route a recipient was reached by; () for none."""
    if routing.default_route.name == route:
        return routing.default_route.repeat
    return next((r.repeat for r in routing.routes if r.name == route), ())


def resolve_recipients(alert: AlertView, routing: Routing) -> list[Recipient]:
    """The deduplicated recipients of an alert (see `route_alert` for the skipped ones)."""
    return list(route_alert(alert, routing).recipients)


def _recipient(channel: ChannelSpec, route: str, alert: AlertView) -> Recipient | str:
    """A recipient, or the reason this channel yields none for this alert."""
    if channel.kind is ChannelKind.SLACK:
        return Recipient(ChannelKind.SLACK, channel.target, route)
    if channel.target == OWNER:
        return _person_email(alert.owner, "owner", route)
    if channel.target == MANAGER:
        return _person_email(alert.manager, "manager", route)
    return Recipient(ChannelKind.EMAIL, channel.target, route)


def _person_email(person: Person | None, role: str, route: str) -> Recipient | str:
    if person is None:
        return f"alert has no {role}"
    if not person.email:
        return f"{role} {person.name!r} has no email address"
    # Addresses come from CRM data, not from reviewed config: refuse anything that
    # could smuggle extra headers or recipients into the SMTP envelope.
    if not is_valid_email(person.email):
        return f"{role} email address {person.email!r} is not valid"
    return Recipient(ChannelKind.EMAIL, person.email.lower(), route)
