"""The small pages an email action link answers with: a confirmation with one POST
button (following the link changes nothing, so mail scanners can), the outcome, or
why the link cannot be used."""

from __future__ import annotations

import html

from radar_notifier.domain.actions import Action, Reason, Verb
from radar_notifier.domain.alerts import AlertView
from radar_notifier.domain.render.formatting import alert_line
from radar_notifier.domain.render.templating import Markup, render_html

BUTTONS = {Verb.ACK: "Acknowledge", Verb.SNOOZE: "Snooze", Verb.NOT_USEFUL: "Mark not useful"}
_BUTTON = (
    "padding:8px 16px;border:0;border-radius:4px;background:#1264a3;color:#ffffff;"
    "font-size:15px;cursor:pointer;"
)


def confirmation(alert: AlertView, action: Action, name: str, what: str) -> str:
    """Asks `name` to confirm `what` (e.g. "Snooze for 7 days") on `alert`."""
    fields = ""
    if action.verb is Verb.NOT_USEFUL and action.reason is None:
        choices = "".join(
            f'<p style="margin:4px 0;"><label><input type="radio" name="reason" '
            f'value="{reason.value}"{" checked" if n == 0 else ""}> {reason.label}</label></p>'
            for n, reason in enumerate(Reason)
        )
        fields = (
            f'<fieldset style="border:0;padding:0;margin:0 0 12px 0;"><legend>Why?</legend>'
            f"{choices}</fieldset>"
            '<p style="margin:0 0 12px 0;"><label>Anything else (optional)<br>'
            '<textarea name="note" rows="3" maxlength="2000" style="width:100%;"></textarea>'
            "</label></p>"
        )
    body = (
        f'<p style="margin:0 0 8px 0;"><strong>{html.escape(alert_line(alert))}</strong></p>'
        f'<p style="margin:0 0 16px 0;">{html.escape(what)}, as {html.escape(name)}?</p>'
        f'<form method="post">{fields}'
        f'<button type="submit" style="{_BUTTON}">{html.escape(BUTTONS[action.verb])}</button>'
        "</form>"
    )
    return page(what, Markup(body))


def done(alert: AlertView, title: str, detail: str) -> str:
    body = (
        f'<p style="margin:0 0 8px 0;"><strong>{html.escape(alert_line(alert))}</strong></p>'
        f'<p style="margin:0;">{html.escape(detail)}</p>'
    )
    return page(title, Markup(body))


def refused(reason: str) -> str:
    return page("This link cannot be used", Markup(f"<p>{html.escape(reason)}</p>"))


def page(title: str, body: Markup) -> str:
    return str(render_html("page.html", title=title, body=body))
