"""Slack's mrkdwn as HTML, the way a Slack client shows it: *bold*, _italic_,
~strike~, `code`, <url|links>, <@U…> mentions by name, :emoji: shortcodes.

Everything is escaped first; only the markup this module writes is HTML. Links keep
http(s) and mailto targets only.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

EMOJI = {
    "red_circle": "\U0001f534",
    "large_orange_circle": "\U0001f7e0",
    "large_blue_circle": "\U0001f535",
    "white_check_mark": "\u2705",
    "zzz": "\U0001f4a4",
    "thumbsdown": "\U0001f44e",
    "warning": "\u26a0\ufe0f",
    "rotating_light": "\U0001f6a8",
    "chart_with_downwards_trend": "\U0001f4c9",
}
_ANGLED = re.compile(r"<([^<>]*)>")
_STYLES = (
    (re.compile(r"`([^`\n]+)`"), "code"),
    (re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])"), "strong"),
    (re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])"), "em"),
    (re.compile(r"(?<![\w~])~([^~\n]+)~(?![\w~])"), "del"),
)
_EMOJI = re.compile(r":([a-z0-9_+-]+):")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")


def plain(text: str) -> str:
    """A plain_text object's text, escaped, emoji shortcodes shown."""
    return _emoji(html.escape(text)).replace("\n", "<br>")


def mrkdwn(text: str, names: Mapping[str, str]) -> str:
    """`text` (Slack-escaped mrkdwn) as HTML; `names` says who a user id is."""
    out: list[str] = []
    at = 0
    for match in _ANGLED.finditer(text):
        out.append(_styled(text[at : match.start()]))
        out.append(_angled(match.group(1), names))
        at = match.end()
    out.append(_styled(text[at:]))
    return "".join(out).replace("\n", "<br>")


def _unslack(text: str) -> str:
    # Slack escapes exactly these three; anything else is text as it stands.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _styled(text: str) -> str:
    escaped = html.escape(_unslack(text), quote=False)
    for pattern, tag in _STYLES:
        escaped = pattern.sub(rf"<{tag}>\1</{tag}>", escaped)
    return _emoji(escaped)


def _emoji(text: str) -> str:
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def _angled(inner: str, names: Mapping[str, str]) -> str:
    if inner.startswith("@"):
        user = inner[1:].split("|", 1)[0]
        return f'<span class="mention">@{html.escape(names.get(user, user))}</span>'
    if inner.startswith("!"):
        return f'<span class="mention">@{html.escape(inner[1:].split("|", 1)[0])}</span>'
    target, _, label = inner.partition("|")
    target = _unslack(target)
    shown = _styled(label) if label else html.escape(target)
    if not target.startswith(_SAFE_SCHEMES):
        return shown
    href = html.escape(target, quote=True)
    return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{shown}</a>'
