"""Rendering digests for delivery: Slack Block Kit payloads and multipart emails."""

from radar_notifier.domain.render.email import EmailContent, render_email
from radar_notifier.domain.render.links import NO_LINKS, Links
from radar_notifier.domain.render.slack import render_slack

__all__ = ["NO_LINKS", "EmailContent", "Links", "render_email", "render_slack"]
