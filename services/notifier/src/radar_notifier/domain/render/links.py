"""Where a message may take its reader: the console's pages (when one is configured)
and the buttons to act on an alert from Slack (when the notifier can receive them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

from radar_notifier.domain.alerts import AlertView
from radar_notifier.domain.channels import ChannelKind
from radar_notifier.domain.email_links import EmailLinks
from radar_notifier.domain.routing import Recipient


@dataclass(frozen=True)
class Links:
    # The console's base URL (e.g. https://radar.example.com); None: no links.
    console_url: str | None = None
    # Slack messages carry buttons only when Slack's clicks can be verified.
    slack_buttons: bool = False
    # Emails carry signed action links when they can be signed.
    email: EmailLinks | None = None

    def account(self, account_id: str) -> str | None:
        if self.console_url is None:
            return None
        return f"{self.console_url.rstrip('/')}/accounts/{quote(account_id, safe='')}"

    def open_alerts(self, recipient: Recipient) -> str | None:
        """Every open alert the recipient hears of: a person's own, or all of them."""
        if self.console_url is None:
            return None
        query = {"state": "raised"}
        if recipient.kind is ChannelKind.EMAIL:
            query["owner"] = recipient.address
        return f"{self.console_url.rstrip('/')}/alerts?{urlencode(query)}"

    def email_actions(
        self, recipient: Recipient, alert: AlertView, at: datetime
    ) -> list[tuple[str, str]]:
        """(label, URL) to act on `alert` from an email to `recipient` written at `at`."""
        if self.email is None:
            return []
        return self.email.actions(recipient.address, alert, at)


NO_LINKS = Links()
