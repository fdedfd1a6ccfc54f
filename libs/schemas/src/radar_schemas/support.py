"""`cs.support.v1`: tickets and satisfaction surveys from the support desk."""

from typing import Annotated, Literal

from pydantic import Field, Strict

from radar_schemas.common import Id, Name, Payload, Priority, StrictBool, Text, WholeNumber
from radar_schemas.envelope import Envelope


class Ticket(Payload):
    """The ticket as it is after the change; shared by opened, updated and closed."""

    ticket_id: Id
    priority: Priority
    status: Name
    escalated: StrictBool = False
    subject: Text | None = None


class TicketOpenedEvent(Envelope):
    type: Literal["ticket.opened"] = "ticket.opened"
    payload: Ticket


class TicketUpdatedEvent(Envelope):
    type: Literal["ticket.updated"] = "ticket.updated"
    payload: Ticket


class TicketClosedEvent(Envelope):
    type: Literal["ticket.closed"] = "ticket.closed"
    payload: Ticket


class CsatSubmitted(Payload):
    ticket_id: Id
    score: Annotated[int, Strict(), Field(ge=1, le=5), WholeNumber]


class CsatSubmittedEvent(Envelope):
    type: Literal["csat.submitted"] = "csat.submitted"
    payload: CsatSubmitted


class NpsSubmitted(Payload):
    contact_id: Id
    score: Annotated[int, Strict(), Field(ge=0, le=10), WholeNumber]
    comment: Text | None = None


class NpsSubmittedEvent(Envelope):
    type: Literal["nps.submitted"] = "nps.submitted"
    payload: NpsSubmitted
