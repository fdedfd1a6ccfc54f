"""Signed email links to act on an alert: Acknowledge, Snooze 7 days, Not useful.

A link names one alert (its alert_id, so one episode), one action and the recipient it
was sent to, and when it expires; an HMAC-SHA256 over all of it with a secret from the
environment makes it unforgeable. Following it only shows a confirmation page (mail
scanners follow links); the page's POST button acts, once. Whoever follows it acts as
that recipient: as the alert's owner, its manager, or a `[[people]]` entry.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from radar_notifier.domain.actions import Action, Refused, action_from_code
from radar_notifier.domain.alerts import AlertView
from radar_notifier.domain.durations import PositiveDuration
from radar_notifier.domain.people import PersonEntry, from_email

# What each raised alert in an email offers.
EMAIL_ACTIONS = (
    ("Acknowledge", "ack"),
    ("Snooze 7 days", "snooze:7d"),
    ("Not useful", "not_useful"),
)
PATH = "/v1/actions/"


class LinkRules(BaseModel):
    """The rule file's `[email_links]`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # How long a link works after its email was written.
    lifetime: PositiveDuration


@dataclass(frozen=True)
class Claim:
    """What a link lets its recipient do, until when."""

    alert_id: str
    code: str
    recipient: str
    expires_at: datetime

    @property
    def action(self) -> Action:
        return action_from_code(self.code)


@dataclass(frozen=True)
class EmailLinks:
    # Where readers' browsers reach the notifier, e.g. https://radar.example.com/notifier.
    base_url: str
    secret: bytes = field(repr=False)
    lifetime: timedelta
    people: Sequence[PersonEntry] = ()

    def actions(self, recipient: str, alert: AlertView, at: datetime) -> list[tuple[str, str]]:
        """(label, URL) per action for one alert of an email sent at `at`; none for a
        recipient who is nobody we know (a shared mailbox), who could not act anyway."""
        if alert.resolved or from_email(recipient, alert, self.people) is None:
            return []
        expires = at + self.lifetime
        return [
            (label, self.url(Claim(alert.alert_id, code, recipient.lower(), expires)))
            for label, code in EMAIL_ACTIONS
        ]

    def url(self, claim: Claim) -> str:
        return self.base_url.rstrip("/") + PATH + self.token(claim)

    def token(self, claim: Claim) -> str:
        fields = [claim.alert_id, claim.code, claim.recipient, int(claim.expires_at.timestamp())]
        body = _b64(json.dumps(fields, separators=(",", ":")).encode())
        return f"{body}.{_b64(self._mac(body))}"

    def read(self, token: str, now: datetime) -> Claim:
        """The claim of a link this notifier made, unchanged and unexpired."""
        try:
            claim = self._verified(token)
        except (ValueError, TypeError, OverflowError, OSError, binascii.Error):
            raise Refused(403, "invalid_link", "this link is not valid") from None
        if now >= claim.expires_at:
            when = claim.expires_at.strftime("%Y-%m-%d %H:%M UTC")
            raise Refused(410, "expired_link", f"this link expired on {when}")
        return claim

    def _verified(self, token: str) -> Claim:
        body, _, mac = token.partition(".")
        if not hmac.compare_digest(_unb64(mac), self._mac(body)):
            raise ValueError("not signed here, or changed since")
        alert_id, code, recipient, expires = json.loads(_unb64(body))
        claim = Claim(
            str(alert_id), str(code), str(recipient), datetime.fromtimestamp(expires, UTC)
        )
        action_from_code(claim.code)  # a code no action has is not ours
        return claim

    def _mac(self, body: str) -> bytes:
        return hmac.new(self.secret, f"v1.{body}".encode(), hashlib.sha256).digest()


def token_digest(token: str) -> str:
    """How a used link is remembered (never the link itself)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
