"""What a CSM reads: every amount in the alert's own currency, the account said once."""

from __future__ import annotations

from dataclasses import replace

from notifier_factories import T0, email, make_alert, minutes, slack

from radar_notifier.domain.alerts import AlertView
from radar_notifier.domain.digest import Digest, PendingNotification
from radar_notifier.domain.render import render_email, render_slack
from radar_notifier.domain.render.formatting import alert_line, format_money
from radar_notifier.domain.routing import Recipient


def _digest(recipient: Recipient, *alerts: AlertView) -> Digest:
    items = tuple(PendingNotification(recipient=recipient, alert=a, enqueued_at=T0) for a in alerts)
    return Digest(recipient=recipient, items=items, superseded=(), created_at=T0 + minutes(1))


EURO = make_alert(
    title="Renewal at risk: Blue Harbor Health SA (EUR 303,600)",
    account_name="Blue Harbor Health SA",
    arr=303_600.0,
    currency="EUR",
)


def test_amounts_carry_the_alerts_currency_and_no_other() -> None:
    other = make_alert(alert_id="a-2", dedup_key="k-2", account_name="Copper Ltd", arr=140_000.0)
    other = replace(other, currency="GBP")
    for text in (
        str(render_slack(_digest(slack("cs-alerts"), EURO, other))),
        render_email(_digest(email("jane@example.com"), EURO, other)).text,
    ):
        assert "EUR 303,600" in text
        assert "GBP 140,000" in text
        assert "USD" not in text


def test_an_amount_of_unknown_currency_is_shown_without_a_guessed_code() -> None:
    assert format_money(285_600.0, None) == "285,600"
    unknown = make_alert(currency=None)
    text = render_email(_digest(email("jane@example.com"), unknown)).text
    assert "ARR: 120,000" in text
    assert "USD" not in text


def test_a_list_line_names_the_account_and_amount_once() -> None:
    assert alert_line(EURO) == "Renewal at risk: Blue Harbor Health SA (EUR 303,600)"
    plain = make_alert(title="Usage dropped", account_name="Vantage Health", arr=285_600.0)
    assert alert_line(plain) == "Usage dropped — Vantage Health (USD 285,600)"
    payload = render_slack(_digest(slack("cs-alerts"), EURO, plain))
    assert payload["text"].count("Blue Harbor Health SA") == 1
    assert payload["text"].count("Vantage Health") == 1


def test_a_single_alert_headline_does_not_repeat_the_account() -> None:
    subject = render_email(_digest(email("jane@example.com"), EURO)).subject
    title = "Renewal at risk: Blue Harbor Health SA (EUR 303,600)"
    assert subject == f"[Renewal Radar] Critical: {title}"
