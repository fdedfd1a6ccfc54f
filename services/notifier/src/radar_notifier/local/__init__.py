"""Local stand-ins for Slack and an SMTP server, for tests, benchmarks and the demo.

Never used by the service itself: `radar up` runs them as one process
(`python -m radar_notifier.local`, which needs the `sinks` extra: aiosmtpd), and the
tests start them in their own event loop. Both listen on loopback only.
"""

from radar_notifier.local.slack import (
    Interactivity,
    Reply,
    SlackMessage,
    SlackSink,
    SlackUser,
    block_actions,
    post_form,
    signed_form,
)
from radar_notifier.local.smtp import CaughtEmail, SmtpCatcher

__all__ = [
    "CaughtEmail",
    "Interactivity",
    "Reply",
    "SlackMessage",
    "SlackSink",
    "SlackUser",
    "SmtpCatcher",
    "block_actions",
    "post_form",
    "signed_form",
]
