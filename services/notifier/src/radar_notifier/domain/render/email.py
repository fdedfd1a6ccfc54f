"""Multipart email (subject, plain text, HTML) for one digest, from packaged templates."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from radar_notifier.domain.alerts import AlertView
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
from radar_notifier.domain.render.templating import Markup, join_markup, render_html, render_text
from radar_schemas.common import Severity

SUBJECT_PREFIX = "[Renewal Radar] "
MAX_SUBJECT = 150
# Alerts shown in full, then listed one line each; the rest are counted.
MAX_DETAILED_ALERTS = 10
MAX_LISTED_ALERTS = 15

_BLANK_LINES = re.compile(r"\n{3,}")

SEVERITY_COLOR = {
    Severity.CRITICAL: "#c62828",
    Severity.WARNING: "#ef6c00",
    Severity.INFO: "#1565c0",
}


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str
    html: str


def render_email(digest: Digest, links: Links = NO_LINKS) -> EmailContent:
    shown = layout(digest, MAX_DETAILED_ALERTS, MAX_LISTED_ALERTS)
    title = headline(digest)
    generated_at = format_timestamp(digest.created_at)
    lines = [_overflow_line(a, digest) for a in shown.listed]
    everything = links.open_alerts(digest.recipient)
    text = _render_plain(
        "digest.txt",
        headline=title,
        generated_at=generated_at,
        items="\n".join(_text_item(a, digest, links) for a in shown.detailed),
        overflow=_text_overflow(lines, shown.unlisted, everything),
    )
    page = render_html(
        "digest.html",
        headline=title,
        generated_at=generated_at,
        items=join_markup([_html_item(a, digest, links) for a in shown.detailed]),
        overflow=_html_overflow(lines, shown.unlisted, everything),
    )
    # one_line() keeps CR/LF from alert text out of the Subject header.
    subject = truncate(one_line(SUBJECT_PREFIX + title), MAX_SUBJECT)
    return EmailContent(subject=subject, text=text, html=page)


def _facts(alert: AlertView, digest: Digest) -> list[tuple[str, str]]:
    return [
        ("Account", account_line(alert)),
        ("ARR", format_money(alert.arr, alert.currency)),
        ("Renewal", format_renewal(alert.renewal_date, digest.created_at.date())),
        ("Health", format_health(alert.health_score)),
        ("Owner", _owner(alert)),
    ]


def _owner(alert: AlertView) -> str:
    if alert.owner is None:
        return "unassigned"
    email = f" <{alert.owner.email}>" if alert.owner.email else ""
    return one_line(alert.owner.name + email)


def _meta(alert: AlertView) -> str:
    return f"Rule {alert.rule} · {format_timestamp(alert.occurred_at)} · alert {alert.alert_id}"


# ------------------------------------------------------------------------------ text


def _text_item(alert: AlertView, digest: Digest, links: Links) -> str:
    if alert.resolved:
        return render_text(
            "resolved.txt",
            title=one_line(alert.title),
            summary=clean_text(alert.summary),
            account=account_line(alert),
            meta=_meta(alert),
        )
    details = []
    worse = digest.worse_of(alert)
    if worse:
        details.append(worse_line(worse))
    if alert.drivers:
        details.append("Why:\n" + "\n".join(f"  - {driver_line(d)}" for d in alert.drivers))
    if alert.recommended_actions:
        actions = (f"  - {one_line(a)}" for a in alert.recommended_actions)
        details.append("Recommended play:\n" + "\n".join(actions))
    act = links.email_actions(digest.recipient, alert, digest.created_at)
    if act:
        details.append("\n".join(f"{label}: {url}" for label, url in act))
    return render_text(
        "alert.txt",
        badge=notice_label(alert, digest.reason_of(alert)).upper(),
        title=one_line(alert.title),
        summary=clean_text(alert.summary),
        facts="\n".join(f"{label}: {value}" for label, value in _facts(alert, digest)),
        details="\n\n".join(details),
        meta=_meta(alert),
    )


def _render_plain(name: str, **values: str) -> str:
    # Optional parts leave empty lines behind; keep at most one blank line in a row.
    return _BLANK_LINES.sub("\n\n", render_text(name, **values))


def _text_overflow(lines: list[str], unlisted: int, everything: str | None) -> str:
    text = "".join(f"  - {line}\n" for line in lines)
    if lines:
        text = "More alerts, most important first:\n" + text
    if unlisted:
        text += f"…and {unlisted} more" + (f": {everything}\n" if everything else ".\n")
    return text


# ------------------------------------------------------------------------------ HTML


def _html_item(alert: AlertView, digest: Digest, links: Links) -> Markup:
    if alert.resolved:
        return render_html(
            "resolved.html",
            title=one_line(alert.title),
            summary=clean_text(alert.summary),
            account=account_line(alert),
            meta=_meta(alert),
        )
    return render_html(
        "alert.html",
        color=SEVERITY_COLOR[alert.severity],
        badge=notice_label(alert, digest.reason_of(alert)),
        title=one_line(alert.title),
        summary=clean_text(alert.summary),
        facts=join_markup([_html_row(k, v) for k, v in _facts(alert, digest)]),
        drivers=_html_list("Why", _why(alert, digest)),
        actions=_html_list("Recommended play", [one_line(a) for a in alert.recommended_actions]),
        act=_html_buttons(links.email_actions(digest.recipient, alert, digest.created_at)),
        meta=_meta(alert),
    )


def _html_buttons(act: list[tuple[str, str]]) -> Markup:
    style = (
        "display:inline-block;margin:0 8px 4px 0;padding:6px 12px;border:1px solid #1264a3;"
        "border-radius:4px;color:#1264a3;text-decoration:none;font-size:14px;"
    )
    buttons = "".join(
        f'<a href="{html.escape(url)}" style="{style}">{html.escape(label)}</a>'
        for label, url in act
    )
    return Markup(f'<p style="margin:8px 0 0 0;">{buttons}</p>' if buttons else "")


def _why(alert: AlertView, digest: Digest) -> list[str]:
    worse = digest.worse_of(alert)
    return ([worse_line(worse)] if worse else []) + [driver_line(d) for d in alert.drivers]


def _html_row(label: str, value: str) -> Markup:
    return Markup(
        f'<tr><td style="padding:2px 12px 2px 0;color:#616061;">{html.escape(label)}</td>'
        f"<td>{html.escape(value)}</td></tr>"
    )


def _html_list(title: str, entries: list[str]) -> Markup:
    if not entries:
        return Markup("")
    items = "".join(f"<li>{html.escape(e)}</li>" for e in entries)
    return Markup(
        f'<p style="margin:0 0 4px 0;font-weight:bold;">{html.escape(title)}</p>'
        f'<ul style="margin:0 0 8px 0;padding-left:20px;">{items}</ul>'
    )


def _html_overflow(lines: list[str], unlisted: int, everything: str | None) -> Markup:
    page = ""
    if lines:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        page = f'<h2 style="font-size:16px;">More alerts</h2><ul>{items}</ul>'
    if unlisted:
        more = f"…and {unlisted} more"
        if everything:
            more = f'<a href="{html.escape(everything)}">{more}</a>'
        page += f"<p>{more}</p>"
    return Markup(page)


def _overflow_line(alert: AlertView, digest: Digest) -> str:
    return f"{notice_label(alert, digest.reason_of(alert))}: {alert_line(alert)}"
