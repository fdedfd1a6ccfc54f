"""Channel specs as written in the routing file: `email:owner`, `slack:cs-alerts`, …"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import PlainSerializer, PlainValidator


class ChannelKind(StrEnum):
    EMAIL = "email"
    SLACK = "slack"


OWNER = "owner"
MANAGER = "manager"

SLACK_WEBHOOK_ENV_PREFIX = "RADAR_NOTIFIER_SLACK_WEBHOOK_"

# Slack's own rule for channel names: lowercase letters, digits, '-' and '_', up to 80.
_SLACK_CHANNEL = re.compile(r"[a-z0-9][a-z0-9_-]{0,79}")
# Deliberately loose: the SMTP server is the judge of deliverability; this only keeps
# out what could break a header (whitespace, separators, angle brackets).
_EMAIL_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")


@dataclass(frozen=True)
class ChannelSpec:
    kind: ChannelKind
    target: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.target}"


def parse_channel(text: str) -> ChannelSpec:
    """Parse `kind:target`; raises ValueError with a message fit for a config error."""
    kind_text, sep, target = text.partition(":")
    if not sep or not target:
        raise ValueError(f"channel {text!r} must look like 'kind:target', e.g. 'email:owner'")
    try:
        kind = ChannelKind(kind_text)
    except ValueError:
        kinds = ", ".join(k.value for k in ChannelKind)
        raise ValueError(
            f"unknown channel kind {kind_text!r} in {text!r}; expected one of: {kinds}"
        ) from None
    if kind is ChannelKind.EMAIL:
        if target not in (OWNER, MANAGER) and not is_valid_email(target):
            raise ValueError(
                f"email channel {text!r} must be 'email:owner', 'email:manager' "
                "or 'email:<address>'"
            )
        return ChannelSpec(kind, target.lower() if "@" in target else target)
    if not _SLACK_CHANNEL.fullmatch(target):
        raise ValueError(
            f"slack channel name {target!r} must be lowercase letters, digits, '-' or '_' "
            "(no '#'), at most 80 characters"
        )
    return ChannelSpec(kind, target)


def _channel(value: object) -> ChannelSpec:
    if isinstance(value, ChannelSpec):
        return value
    if not isinstance(value, str):
        raise ValueError("a channel is a string like 'email:owner' or 'slack:cs-alerts'")
    return parse_channel(value)


# A channel field of the rule file, written as `kind:target`.
Channel = Annotated[ChannelSpec, PlainValidator(_channel), PlainSerializer(str)]


def is_valid_email(address: str) -> bool:
    return _EMAIL_ADDRESS.fullmatch(address) is not None


def slack_webhook_env_var(channel_name: str) -> str:
    """The environment variable holding a channel's webhook URL.

    Upper-case, every character other than A-Z and 0-9 becomes '_':
    `cs-alerts` → `RADAR_NOTIFIER_SLACK_WEBHOOK_CS_ALERTS`.
    """
    return SLACK_WEBHOOK_ENV_PREFIX + re.sub(r"[^A-Z0-9]", "_", channel_name.upper())
