"""Slack's side of acting on an alert: the buttons a message carries, what a click
says (Slack's `block_actions` interaction payload), and the message after the action.

Each raised alert gets one actions block whose `block_id` names the alert
(`alert:<alert_id>`); every element's value is an action code (domain.actions), so a
click names both what to do and to which alert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from radar_notifier.domain.actions import Action, Reason, action_from_code
from radar_notifier.domain.alerts import AlertView

Block = dict[str, Any]

BLOCK_PREFIX = "alert:"
DONE_PREFIX = "done:"
OPEN = "open"


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _option(label: str, code: str) -> dict[str, Any]:
    return {"text": _text(label), "value": code}


def buttons(alert: AlertView, account_url: str | None) -> Block:
    """Acknowledge, Snooze 7 days, a snooze menu, Not useful (with its reason), Open."""
    lengths = [("1 day", "snooze:1d"), ("7 days", "snooze:7d"), ("30 days", "snooze:30d")]
    if alert.renewal_date is not None:
        lengths.append(("Until renewal", "snooze:renewal"))
    elements: list[Block] = [
        {
            "type": "button",
            "action_id": "ack",
            "text": _text("Acknowledge"),
            "style": "primary",
            "value": "ack",
        },
        {
            "type": "button",
            "action_id": "snooze_7d",
            "text": _text("Snooze 7 days"),
            "value": "snooze:7d",
        },
        {
            "type": "static_select",
            "action_id": "snooze",
            "placeholder": _text("Snooze for…"),
            "options": [_option(label, code) for label, code in lengths],
        },
        {
            "type": "static_select",
            "action_id": "not_useful",
            "placeholder": _text("Not useful…"),
            "options": [_option(reason.label, f"not_useful:{reason}") for reason in Reason],
        },
    ]
    if account_url is not None:
        elements.append(
            {"type": "button", "action_id": OPEN, "text": _text("Open"), "url": account_url}
        )
    return {"type": "actions", "block_id": BLOCK_PREFIX + alert.alert_id, "elements": elements}


@dataclass(frozen=True)
class Click:
    """One press of a button or pick from a menu, as Slack reports it."""

    user_id: str
    alert_id: str
    # None for the Open button: Slack reports it, but it only opens a page.
    action: Action | None
    response_url: str
    # The message the click was on, to be updated in place.
    text: str
    blocks: list[Block]


class BadPayload(ValueError):
    """An interaction payload that is not a click on our buttons' shape."""


def read_click(payload: Mapping[str, Any]) -> Click | None:
    """The click a `block_actions` payload reports; None for other interactions."""
    if payload.get("type") != "block_actions":
        return None
    try:
        [pressed] = payload["actions"]
        block_id = str(pressed["block_id"])
        if not block_id.startswith(BLOCK_PREFIX):
            return None
        if pressed["action_id"] == OPEN:
            action = None
        elif pressed["type"] == "static_select":
            action = action_from_code(str(pressed["selected_option"]["value"]))
        else:
            action = action_from_code(str(pressed["value"]))
        message = payload.get("message") or {}
        return Click(
            user_id=str(payload["user"]["id"]),
            alert_id=block_id.removeprefix(BLOCK_PREFIX),
            action=action,
            response_url=str(payload["response_url"]),
            text=str(message.get("text", "")),
            blocks=list(message.get("blocks") or []),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise BadPayload(f"not a click on a Renewal Radar button: {error}") from None


def after_action(
    blocks: Sequence[Block], alert_id: str, note: str, *, keep_buttons: bool
) -> list[Block]:
    """The message with the alert's buttons followed by `note` (who did what), the
    buttons dropped when there is nothing left to do; other alerts are untouched."""
    done_id = DONE_PREFIX + alert_id
    updated: list[Block] = []
    for block in blocks:
        if block.get("block_id") == done_id:
            continue
        if block.get("block_id") != BLOCK_PREFIX + alert_id:
            updated.append(block)
            continue
        if keep_buttons:
            updated.append(block)
        updated.append(
            {"type": "context", "block_id": done_id, "elements": [{"type": "mrkdwn", "text": note}]}
        )
    return updated
