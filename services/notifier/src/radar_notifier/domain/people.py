"""Who a click or a link stands for: a Slack user or an email recipient as a person
with a role, so their rights are checked as the API checks a credential's.

An alert's owner acts as a CSM and its manager as a manager; the rule file's
`[[people]]` name anyone else (or give someone another role), by email and Slack id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from radar_notifier.domain.alerts import AlertView, Person
from radar_runtime.auth.roles import Principal, Role

Via = Literal["slack", "email"]


class PersonEntry(BaseModel):
    """One `[[people]]` entry of the rule file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(min_length=1)]
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    slack_id: Annotated[str | None, Field(pattern=r"^[UW][A-Z0-9]{2,20}$")] = None
    role: Literal["csm", "manager", "admin"] = "csm"
    # The regions or segments a manager acts on, when the access rules scope by them.
    scope: tuple[str, ...] = ()


def from_slack(user_id: str, alert: AlertView, people: Sequence[PersonEntry]) -> Principal | None:
    """The person behind a Slack user, or None when nobody says who they are."""
    subject = f"slack:{user_id}"
    for entry in people:
        if entry.slack_id == user_id:
            return _principal(subject, entry.name, entry.email, Role(entry.role), entry.scope)
    for person, role in _alert_people(alert):
        if person.slack_id == user_id and person.email:
            return _principal(subject, person.name, person.email, role)
    return None


def from_email(address: str, alert: AlertView, people: Sequence[PersonEntry]) -> Principal | None:
    """The person an email went to, or None when the address is nobody's we know."""
    wanted = address.strip().lower()
    subject = f"email:{wanted}"
    for entry in people:
        if entry.email.lower() == wanted:
            return _principal(subject, entry.name, wanted, Role(entry.role), entry.scope)
    for person, role in _alert_people(alert):
        if person.email and person.email.lower() == wanted:
            return _principal(subject, person.name, wanted, role)
    return None


def _alert_people(alert: AlertView) -> list[tuple[Person, Role]]:
    people = [(alert.owner, Role.CSM), (alert.manager, Role.MANAGER)]
    return [(person, role) for person, role in people if person is not None]


def _principal(
    subject: str, name: str, email: str, role: Role, scope: Sequence[str] = ()
) -> Principal:
    via: Via = "slack" if subject.startswith("slack:") else "email"
    return Principal(subject, name, email.lower(), role, via, frozenset(scope))
