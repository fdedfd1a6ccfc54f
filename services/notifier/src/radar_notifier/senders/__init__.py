"""Senders: one message to Slack or SMTP, and what happened, classified for retries."""

from radar_notifier.senders.base import Outgoing, Sender, SendResult

__all__ = ["Outgoing", "SendResult", "Sender"]
