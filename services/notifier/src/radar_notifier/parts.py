"""The notifier's parts: everything long-lived, built once by `main.bootstrap`."""

from __future__ import annotations

from dataclasses import dataclass

from radar_notifier.domain.render import Links
from radar_notifier.rules import NotifierRules
from radar_notifier.senders.email import EmailSender
from radar_notifier.senders.slack import SlackSender
from radar_notifier.settings import NotifierSettings
from radar_notifier.work.delivery import DeliveryWorker
from radar_runtime import Runtime
from radar_runtime.auth.access import Access


@dataclass(frozen=True)
class NotifierParts:
    settings: NotifierSettings
    rules: NotifierRules
    runtime: Runtime
    access: Access
    slack: SlackSender
    email: EmailSender
    # What messages carry: console links, Slack buttons, signed email action links.
    links: Links
    # Woken by the projection and the API after they commit something to deliver.
    worker: DeliveryWorker
