"""Formatting shared by the Slack and email renderers: numbers, dates, headlines."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from radar_notifier.domain.alerts import AlertView, Driver, NoticeReason
from radar_notifier.domain.digest import Digest
from radar_notifier.domain.worsening import Worsening
from radar_schemas.common import Severity

ELLIPSIS = "…"
_WHITESPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def one_line(text: str) -> str:
    """Collapse newlines and runs of whitespace; drop control characters.

    Used for subjects and headers, where a newline from alert text could forge a
    header line.
    """
    return _WHITESPACE.sub(" ", _CONTROL.sub("", text)).strip()


def clean_text(text: str) -> str:
    """Keep line breaks, drop other control characters."""
    return _CONTROL.sub("", text).strip()


def truncate(text: str, limit: int) -> str:
    """Shorten to at most `limit` characters, preferring a line or word boundary."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    for boundary in ("\n", " "):
        position = cut.rfind(boundary)
        # Only back off to a boundary that keeps most of the text.
        if position >= len(cut) * 0.8:
            cut = cut[:position]
            break
    return cut.rstrip() + ELLIPSIS


def format_number(value: float | str | None) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def format_money(amount: float | None, currency: str | None) -> str:
    """`EUR 140,000`; without a code when the alert did not say which currency (never
    a guessed one)."""
    if amount is None:
        return "n/a"
    return f"{currency} {amount:,.0f}" if currency else f"{amount:,.0f}"


def format_renewal(renewal_date: date | None, today: date) -> str:
    if renewal_date is None:
        return "n/a"
    days = (renewal_date - today).days
    if days == 0:
        relative = "today"
    elif days > 0:
        relative = f"in {days} day{'s' if days != 1 else ''}"
    else:
        relative = f"{-days} day{'s' if days != -1 else ''} ago"
    return f"{renewal_date.isoformat()} ({relative})"


def format_health(score: float | None) -> str:
    return "n/a" if score is None else f"{format_number(round(score, 1))}/100"


def format_timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def driver_line(driver: Driver) -> str:
    return f"{driver.name}: {format_number(driver.value)} — {one_line(driver.explanation)}"


def account_line(alert: AlertView) -> str:
    return f"{alert.account_name} ({alert.segment or 'unknown'}, {alert.region or 'unknown'})"


def severity_label(severity: Severity) -> str:
    return severity.value.capitalize()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def alert_line(alert: AlertView, *, with_money: bool = True) -> str:
    """The alert's title with its account and ARR, each said once: producers often put
    the account (and its ARR) in the title already."""
    title = one_line(alert.title)
    line = title
    if alert.account_name not in title:
        line += f" — {one_line(alert.account_name)}"
    money = format_money(alert.arr, alert.currency)
    if with_money and alert.arr is not None and money not in title:
        line += f" ({money})"
    return line


@dataclass(frozen=True)
class Layout:
    """A digest kept readable whatever its size: the most important alerts in full,
    the next ones a line each, the rest only counted (items come most urgent first)."""

    detailed: tuple[AlertView, ...]
    listed: tuple[AlertView, ...]
    unlisted: int


def layout(digest: Digest, detailed: int, listed: int) -> Layout:
    alerts = [p.alert for p in digest.items]
    return Layout(
        detailed=tuple(alerts[:detailed]),
        listed=tuple(alerts[detailed : detailed + listed]),
        unlisted=max(len(alerts) - detailed - listed, 0),
    )


def notice_label(alert: AlertView, reason: NoticeReason) -> str:
    """How an alert is announced: `Critical`, `Reminder (critical)`, `Worse (critical)`
    or `Resolved`, so a title never says "new" of what was told before."""
    if alert.resolved:
        return "Resolved"
    severity = severity_label(alert.severity)
    if reason is NoticeReason.FIRST:
        return severity
    return f"{_REASON_WORDS[reason]} ({severity.lower()})"


_REASON_WORDS = {NoticeReason.REPEAT: "Reminder", NoticeReason.WORSE: "Worse"}


def worse_line(worse: Sequence[Worsening]) -> str:
    """What got worse since it was acknowledged, with the numbers."""
    return "Worse since acknowledged: " + "; ".join(w.describe() for w in worse)


def headline(digest: Digest) -> str:
    """What the message is about, in one line: the email subject and Slack header."""
    if len(digest.items) == 1:
        item = digest.items[0]
        label = notice_label(item.alert, item.reason)
        return f"{label}: {alert_line(item.alert, with_money=False)}"
    raised, resolved = digest.raised, digest.resolved
    critical = sum(1 for p in raised if p.alert.severity is Severity.CRITICAL)
    counts = [
        _plural(len(digest.raised_for(NoticeReason.FIRST)), "new alert"),
        _plural(len(digest.raised_for(NoticeReason.REPEAT)), "reminder"),
        f"{len(digest.raised_for(NoticeReason.WORSE))} got worse",
    ]
    parts = [part for part in counts if not part.startswith("0 ")]
    if critical:
        parts[-1] += f" ({critical} critical)"
    if resolved:
        parts.append(f"{len(resolved)} resolved")
    return ", ".join(parts)
