"""Secrets of the local stack (the Slack app's signing secret, the email-link key):
made on the first start and kept in the radar home, readable by its owner only, so
links and buttons made before a restart still work after it."""

from __future__ import annotations

import secrets
from pathlib import Path

SLACK_SIGNING_SECRET_FILE = "slack-signing-secret"
ACTION_LINK_SECRET_FILE = "action-link-secret"


def ensure_secret(home: Path, name: str) -> str:
    path = home / name
    if path.exists() and len(known := path.read_text().strip()) >= 32:
        return known
    made = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(made + "\n")
    return made
