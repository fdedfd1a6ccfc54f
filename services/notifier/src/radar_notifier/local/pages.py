"""The sinks' pages: Slack messages laid out as a Slack client shows their Block Kit
blocks, and caught emails in their HTML part. Newest first; no script and nothing loaded from
anywhere else (the one stylesheet is inline), so they work offline under the strict
policy below."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from radar_notifier.local.mrkdwn import mrkdwn, plain

# No script anywhere; styles from this page only; the email HTML part in a frame
# from this server, itself sandboxed (see EMAIL_PART_POLICY).
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# An email's HTML part: inline styles and data: images only, no script, links open
# in a new tab (the sandbox lets them out), nothing loaded from elsewhere.
EMAIL_PART_POLICY = (
    "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; "
    "style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;
background:#f8f8f8;color:#1d1c1d}
header.top{background:#3f0e40;color:#fff;padding:10px 20px;display:flex;gap:16px;
align-items:baseline;flex-wrap:wrap}
header.top h1{font-size:18px;margin:0}header.top a{color:#e8d5e9}
main{max-width:900px;margin:0 auto;padding:12px}
.msg{background:#fff;border:1px solid #ddd;border-radius:8px;padding:12px 16px;margin:12px 0}
.meta{color:#616061;font-size:13px;display:flex;gap:10px;flex-wrap:wrap}
.meta b{color:#1d1c1d}
.hdr{font-size:18px;font-weight:700;margin:8px 0}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:8px 16px;margin:8px 0}
@media (max-width:600px){.fields{grid-template-columns:1fr}}
.ctx{color:#616061;font-size:13px;margin:6px 0}
.actions{display:flex;gap:8px;flex-wrap:wrap;align-items:center;margin:8px 0}
.actions form{display:flex;gap:4px;align-items:center;margin:0}
button,.button{font:inherit;font-size:14px;border:1px solid #bbb;background:#fff;
border-radius:4px;padding:4px 12px;cursor:pointer;color:#1d1c1d;text-decoration:none}
button.primary{background:#007a5a;border-color:#007a5a;color:#fff}
button.danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
button:focus,select:focus,a:focus{outline:3px solid #1264a3;outline-offset:1px}
select{font:inherit;font-size:14px;padding:3px}
code{background:#f2f2f2;border:1px solid #e0e0e0;border-radius:3px;padding:0 3px;
font-size:13px;color:#c01343}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
.ephemeral{background:#fff8e1;border-left:4px solid #e8a723;padding:6px 10px;margin:6px 0;
font-size:14px}
.as{color:#616061;font-size:13px}
hr{border:0;border-top:1px solid #ddd;margin:10px 0}
iframe{width:100%;height:480px;border:1px solid #ddd;border-radius:4px;background:#fff}
table.list{width:100%;border-collapse:collapse;background:#fff}
.list td,.list th{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;font-size:14px}
.list th{width:7em;color:#616061;font-weight:600}
pre{white-space:pre-wrap;background:#fafafa;border:1px solid #eee;padding:8px}
.empty{color:#616061;margin:24px 0}
"""


def page(title: str, nav: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f'<header class="top"><h1>{html.escape(title)}</h1>{nav}</header>'
        f"<main>{body}</main></body></html>"
    )


NAV = '<a href="/messages">Slack</a><a href="/emails">Email</a>'


def when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# --- Slack -------------------------------------------------------------------------

_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,20})[|>]")


def slack_page(
    messages: Sequence[Any],
    ephemeral: Mapping[str, Sequence[str]],
    users: Mapping[str, str],
    can_click: bool,
) -> str:
    """Every message newest first; `users` the Slack users a click may be made as."""
    shown = [
        slack_message(m, ephemeral.get(m.ts, ()), users, can_click) for m in reversed(messages)
    ]
    body = "".join(shown) or '<p class="empty">No messages yet.</p>'
    return page("Local Slack", NAV, body)


def slack_message(
    message: Any, notes: Sequence[str], users: Mapping[str, str], can_click: bool
) -> str:
    body: dict[str, Any] = message.body
    blocks = body.get("blocks")
    if isinstance(blocks, list) and blocks:
        shown = [b for b in blocks if isinstance(b, dict)]
        clickers = _clickers(shown, users) if can_click else [None] * len(shown)
        rendered = "".join(
            _block(b, message.ts, users, c) for b, c in zip(shown, clickers, strict=True)
        )
    else:
        rendered = f"<div>{mrkdwn(str(body.get('text', '')), users)}</div>"
    meta = (
        f'<div class="meta"><b>Renewal Radar</b><span>#{html.escape(message.channel)}</span>'
        f"<span>{when(message.received_at)}</span>"
        f'<a href="/messages/{html.escape(message.ts)}.json">raw</a></div>'
    )
    told = "".join(
        f'<div class="ephemeral">Only visible to you: {mrkdwn(n, users)}</div>' for n in notes
    )
    return f'<article class="msg" id="m{html.escape(message.ts)}">{meta}{rendered}{told}</article>'


def _clickers(blocks: Sequence[dict[str, Any]], users: Mapping[str, str]) -> list[str | None]:
    """Who presses each block's buttons by default: the person mentioned since the
    previous buttons (an alert's owner), else the first one mentioned, else the first
    user; the page lets the reader pick another."""
    known = [u for u in _MENTION.findall(repr(blocks)) if u in users]
    fallback = known[0] if known else next(iter(users), None)
    clickers: list[str | None] = []
    recent: str | None = None
    for block in blocks:
        mentioned = [u for u in _MENTION.findall(repr(block)) if u in users]
        recent = mentioned[0] if mentioned else recent
        clickers.append(recent or fallback)
        if block.get("type") == "actions":
            recent = None
    return clickers


def _text(obj: Any, users: Mapping[str, str]) -> str:
    if not isinstance(obj, dict):
        return ""
    text = str(obj.get("text", ""))
    return mrkdwn(text, users) if obj.get("type") == "mrkdwn" else plain(text)


def _block(block: dict[str, Any], ts: str, users: Mapping[str, str], clicker: str | None) -> str:
    kind = block.get("type")
    if kind == "header":
        return f'<div class="hdr">{_text(block.get("text"), users)}</div>'
    if kind == "divider":
        return "<hr>"
    if kind == "context":
        parts = [_text(e, users) or html.escape(str(e.get("alt_text", ""))) for e in _list(block)]
        return f'<div class="ctx">{" ".join(parts)}</div>'
    if kind == "section":
        out = f"<div>{_text(block.get('text'), users)}</div>" if block.get("text") else ""
        fields = block.get("fields") or []
        if fields:
            cells = "".join(f"<div>{_text(f, users)}</div>" for f in fields)
            out += f'<div class="fields">{cells}</div>'
        return f'<div class="section">{out}</div>'
    if kind == "actions":
        return _actions(block, ts, users, clicker)
    if kind == "image":
        return f'<div class="ctx">[image: {html.escape(str(block.get("alt_text", "")))}]</div>'
    return f'<div class="ctx">[a {html.escape(str(kind))} block]</div>'


def _list(block: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in block.get("elements") or [] if isinstance(e, dict)]


def _actions(block: dict[str, Any], ts: str, users: Mapping[str, str], clicker: str | None) -> str:
    block_id = html.escape(str(block.get("block_id", "")))
    controls: list[str] = []
    for element in _list(block):
        label = _text(element.get("text") or element.get("placeholder"), users)
        action_id = html.escape(str(element.get("action_id", "")))
        if element.get("url"):
            href = html.escape(str(element["url"]))
            controls.append(
                f'<a class="button" href="{href}" target="_blank" rel="noopener">{label}</a>'
            )
        elif element.get("type") == "button":
            style = element.get("style")
            styled = f' class="{html.escape(str(style))}"' if style else ""
            controls.append(
                f'<button{styled} name="action_id" value="{action_id}"'
                f"{'' if clicker else ' disabled'}>{label}</button>"
            )
        elif element.get("type") == "static_select":
            options = "".join(
                f'<option value="{html.escape(str(o.get("value", "")))}">'
                f"{_text(o.get('text'), users)}</option>"
                for o in element.get("options") or []
            )
            controls.append(
                f'<select name="option:{action_id}" aria-label="{label}">{options}</select>'
                f'<button name="action_id" value="{action_id}"'
                f"{'' if clicker else ' disabled'}>{label.rstrip('…')}</button>"
            )
    people = "".join(
        f'<option value="{html.escape(uid)}"{" selected" if uid == clicker else ""}>'
        f"{html.escape(name)}</option>"
        for uid, name in users.items()
    )
    who = f'<label class="as">as <select name="user">{people}</select></label>' if clicker else ""
    return (
        f'<form class="actions" method="post" action="/messages/{html.escape(ts)}/click">'
        f'<input type="hidden" name="block_id" value="{block_id}">{"".join(controls)}{who}</form>'
    )


# --- Email -------------------------------------------------------------------------


def email_page(emails: Sequence[Any]) -> str:
    """Each caught email newest first: who, to whom, subject, when; its HTML part in a
    sandboxed frame and its text part one click away."""
    shown = [_email(number, e) for number, e in reversed(list(enumerate(emails, 1)))]
    body = "".join(shown) or '<p class="empty">No emails yet.</p>'
    return page("Local email", NAV, body)


def _email(number: int, caught: Any) -> str:
    html_part = caught.part("html")
    frame = (
        f'<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" '
        f'src="/emails/{number}/html" title="HTML part of email {number}"></iframe>'
        if html_part
        else ""
    )
    text = caught.part("plain")
    text_part = (
        f"<details><summary>Text part</summary><pre>{html.escape(text)}</pre></details>"
        if text
        else ""
    )
    return (
        f'<article class="msg" id="e{number}">'
        f'<div class="hdr">{html.escape(caught.subject)}</div>'
        f'<table class="list"><tr><th>From</th><td>{html.escape(caught.sender)}</td></tr>'
        f"<tr><th>To</th><td>{html.escape(', '.join(caught.recipients))}</td></tr>"
        f"<tr><th>Received</th><td>{when(caught.received_at)}</td></tr></table>"
        f'{frame}{text_part}<div class="ctx"><a href="/emails/{number}.eml">raw message</a>'
        "</div></article>"
    )


_HEAD = re.compile(r"<head[^>]*>", re.IGNORECASE)


def email_html_part(part: str) -> str:
    """The HTML part, its links opening outside the frame."""
    base = '<base target="_blank">'
    found = _HEAD.search(part)
    if found:
        return part[: found.end()] + base + part[found.end() :]
    return base + part
