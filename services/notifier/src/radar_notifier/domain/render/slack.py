"""Slack incoming-webhook payloads: Block Kit with a plain-text fallback.

Alert text comes from customer data, so every piece of it is escaped for mrkdwn
(`&`, `<`, `>`): an account named `<!channel>` must not page a whole channel.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from radar_notifier.domain.alerts import AlertView, NoticeReason, Person
from radar_notifier.domain.digest import Digest
from radar_notifier.domain.render.formatting import (
    account_line,
    alert_line,
    clean_text,
    driver_line,
    format_health,
    format_money,
    format_renewal,
    format_timestamp,
    headline,
    layout,
    notice_label,
    one_line,
    truncate,
    worse_line,
)
from radar_notifier.domain.render.links import NO_LINKS, Links
from radar_notifier.domain.render.slack_buttons import buttons
from radar_schemas.common import Severity

# Slack's documented limits.
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_TEXT = 2000
MAX_FALLBACK_TEXT = 3000
# Alerts shown in full, then listed one line each; the rest are counted: a digest
# stays readable and below MAX_BLOCKS.
MAX_DETAILED_ALERTS = 5
MAX_LISTED_ALERTS = 10
MAX_DRIVERS_SHOWN = 5

SEVERITY_EMOJI = {
    Severity.CRITICAL: ":red_circle:",
    Severity.WARNING: ":large_orange_circle:",
    Severity.INFO: ":large_blue_circle:",
}
RESOLVED_EMOJI = ":white_check_mark:"
_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")

Block = dict[str, Any]


def escape_mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate_mrkdwn(text: str, limit: int) -> str:
    """`truncate`, without leaving half an `&amp;` entity or `<@U…>` mention at the end."""
    short = truncate(text, limit)
    if short == text:
        return short
    body = short.removesuffix("…")
    for opener, closer in (("&", ";"), ("<", ">")):
        start = body.rfind(opener)
        if start != -1 and closer not in body[start:]:
            body = body[:start].rstrip()
    return body + "…"


def render_slack(digest: Digest, links: Links = NO_LINKS) -> dict[str, Any]:
    """The JSON body to POST to a Slack incoming webhook for one digest."""
    shown = layout(digest, MAX_DETAILED_ALERTS, MAX_LISTED_ALERTS)
    blocks: list[Block] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": truncate(headline(digest), MAX_HEADER_TEXT),
                "emoji": True,
            },
        },
        _context(f"Renewal Radar · {format_timestamp(digest.created_at)}"),
    ]
    for alert in shown.detailed:
        blocks.extend(_alert_blocks(alert, digest, links))
    everything = links.open_alerts(digest.recipient)
    if links.slack_buttons:
        # A section and its buttons per listed alert, then the count.
        if shown.listed:
            blocks.append(_section("*More alerts, most important first:*"))
        for alert in shown.listed:
            blocks.append(_section(escape_mrkdwn(_summary_line(alert, digest))))
            if not alert.resolved:
                blocks.append(buttons(alert, links.account(alert.account_id)))
        if shown.unlisted:
            blocks.append(_section(_overflow_text(digest, (), shown.unlisted, everything)))
    elif shown.listed or shown.unlisted:
        blocks.append(_section(_overflow_text(digest, shown.listed, shown.unlisted, everything)))
    return {"text": _fallback_text(digest), "blocks": blocks[:MAX_BLOCKS]}


def _alert_blocks(alert: AlertView, digest: Digest, links: Links) -> list[Block]:
    if alert.resolved:
        text = f"{RESOLVED_EMOJI} *Resolved: {escape_mrkdwn(one_line(alert.title))}*"
        if alert.summary:
            text += f"\n{escape_mrkdwn(clean_text(alert.summary))}"
        section = _section(text)
        section["fields"] = [_field("Account", account_line(alert))]
    else:
        section = _section(_raised_text(alert, digest))
        section["fields"] = _raised_fields(alert, digest)
    meta = f"`{alert.rule}` · {format_timestamp(alert.occurred_at)} · alert {alert.alert_id}"
    blocks = [section, _context(escape_mrkdwn(meta))]
    if links.slack_buttons and not alert.resolved:
        blocks.append(buttons(alert, links.account(alert.account_id)))
    return [*blocks, {"type": "divider"}]


def _raised_text(alert: AlertView, digest: Digest) -> str:
    emoji = SEVERITY_EMOJI[alert.severity]
    label = notice_label(alert, digest.reason_of(alert))
    lines = [f"{emoji} *{label}: {escape_mrkdwn(one_line(alert.title))}*"]
    worse = digest.worse_of(alert)
    if worse:
        lines.append(f"*{escape_mrkdwn(worse_line(worse))}*")
    if alert.summary:
        lines.append(escape_mrkdwn(clean_text(alert.summary)))
    if alert.drivers:
        lines.append("*Why*")
        shown = alert.drivers[:MAX_DRIVERS_SHOWN]
        lines += [f"• {escape_mrkdwn(driver_line(d))}" for d in shown]
        if len(alert.drivers) > len(shown):
            lines.append(f"• …and {len(alert.drivers) - len(shown)} more")
    if alert.recommended_actions:
        lines.append("*Recommended play*")
        lines += [f"• {escape_mrkdwn(one_line(a))}" for a in alert.recommended_actions]
    return "\n".join(lines)


def _raised_fields(alert: AlertView, digest: Digest) -> list[Block]:
    return [
        _field("Account", account_line(alert)),
        _field("ARR", format_money(alert.arr, alert.currency)),
        _field("Renewal", format_renewal(alert.renewal_date, digest.created_at.date())),
        _field("Health", format_health(alert.health_score)),
        _mrkdwn(f"*Owner*\n{_owner(alert.owner)}", MAX_FIELD_TEXT),
    ]


def _owner(owner: Person | None) -> str:
    if owner is None:
        return "unassigned"
    name = escape_mrkdwn(one_line(owner.name))
    # Only a well-formed user id becomes a mention; anything else could be markup.
    if owner.slack_id and _SLACK_USER_ID.fullmatch(owner.slack_id):
        return f"{name} (<@{owner.slack_id}>)"
    return name


def _overflow_text(
    digest: Digest, listed: Sequence[AlertView], unlisted: int, everything: str | None
) -> str:
    lines = ["*More alerts, most important first:*"] if listed else []
    lines += ["• " + escape_mrkdwn(_summary_line(alert, digest)) for alert in listed]
    if unlisted:
        more = f"…and {unlisted} more"
        lines.append(f"<{everything}|{more}>" if everything else f"_{more}_")
    return "\n".join(lines)


def _summary_line(alert: AlertView, digest: Digest) -> str:
    emoji = RESOLVED_EMOJI if alert.resolved else SEVERITY_EMOJI[alert.severity]
    reason = digest.reason_of(alert)
    told_before = alert.resolved or reason is not NoticeReason.FIRST
    prefix = f"{notice_label(alert, reason)}: " if told_before else ""
    # Short enough for MAX_LISTED_ALERTS lines and the count to share one section.
    return truncate(f"{emoji} {prefix}{alert_line(alert)}", 240)


def _fallback_text(digest: Digest) -> str:
    # Shown in notifications and by clients without Block Kit: headline plus one line
    # per alert; mrkdwn-parsed like any `text`, so escaped too.
    lines = [headline(digest)] + [_summary_line(p.alert, digest) for p in digest.items]
    return truncate_mrkdwn(escape_mrkdwn("\n".join(lines)), MAX_FALLBACK_TEXT)


def _mrkdwn(text: str, limit: int) -> Block:
    return {"type": "mrkdwn", "text": truncate_mrkdwn(text, limit)}


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(text, MAX_SECTION_TEXT)}


def _field(label: str, value: str) -> Block:
    return _mrkdwn(f"*{label}*\n{escape_mrkdwn(one_line(value))}", MAX_FIELD_TEXT)


def _context(text: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(text, MAX_CONTEXT_TEXT)]}
