from __future__ import annotations

from notifier_factories import T0, email, make_alert, minutes

from radar_notifier.domain.alerts import AlertView
from radar_notifier.domain.digest import Digest, PendingNotification
from radar_notifier.domain.render import Links, render_email
from radar_schemas.common import Severity

JANE = email("jane@example.com")


def _digest(*alerts: AlertView) -> Digest:
    items = tuple(PendingNotification(recipient=JANE, alert=a, enqueued_at=T0) for a in alerts)
    return Digest(recipient=JANE, items=items, superseded=(), created_at=T0 + minutes(1))


def test_single_alert_email_has_subject_text_and_html() -> None:
    content = render_email(_digest(make_alert()))
    assert content.subject == "[Renewal Radar] Critical: Renewal at risk — Acme Corp"
    for part in (content.text, content.html):
        assert "Renewal at risk" in part
        assert "USD 120,000" in part
        assert "2026-05-15 (in 75 days)" in part
        assert "38/100" in part
        assert "usage_trend: -42.5 — Active usage fell 42.5 %" in part
        assert "Schedule a check-in" in part
    assert "[CRITICAL] Renewal at risk" in content.text
    assert content.html.startswith("<!DOCTYPE html>")
    assert "$" not in content.html  # every template placeholder was filled


def test_html_escapes_alert_text() -> None:
    alert = make_alert(
        title="<script>alert(1)</script>",
        summary='"quoted" & <b>bold</b>',
        account_name="Acme <img src=x onerror=alert(2)>",
    )
    content = render_email(_digest(alert))
    assert "<script>" not in content.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content.html
    assert "<img" not in content.html
    assert "&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;" in content.html
    # The plain-text part shows the text as written.
    assert "<script>alert(1)</script>" in content.text


def test_subject_cannot_carry_extra_headers() -> None:
    alert = make_alert(title="Risk\r\nBcc: everyone@example.com\n")
    subject = render_email(_digest(alert)).subject
    assert "\r" not in subject and "\n" not in subject
    assert subject == "[Renewal Radar] Critical: Risk Bcc: everyone@example.com — Acme Corp"


def test_subject_is_bounded() -> None:
    subject = render_email(_digest(make_alert(title="x" * 1000))).subject
    assert len(subject) <= 150
    assert subject.endswith("…")


def test_resolved_notice_renders_distinctly() -> None:
    content = render_email(_digest(make_alert(resolved=True)))
    assert content.subject == "[Renewal Radar] Resolved: Renewal at risk — Acme Corp"
    assert "[RESOLVED] Renewal at risk" in content.text
    assert "Recommended play" not in content.text
    assert "Resolved</p>" in content.html and "line-through" in content.html


def test_digest_subject_counts_and_mixed_items() -> None:
    alerts = [
        make_alert(alert_id="1", dedup_key="1"),
        make_alert(alert_id="2", dedup_key="2", severity=Severity.WARNING),
        make_alert(alert_id="3", dedup_key="3", resolved=True, title="Champion back"),
    ]
    content = render_email(_digest(*alerts))
    assert content.subject == "[Renewal Radar] 2 new alerts (1 critical), 1 resolved"
    assert "[RESOLVED] Champion back" in content.text


def test_hundred_alerts_show_ten_in_full_list_fifteen_and_count_the_rest() -> None:
    alerts = [
        make_alert(alert_id=f"a-{n}", dedup_key=f"k-{n}", account_name=f"Account {n}")
        for n in range(100)
    ]
    content = render_email(_digest(*alerts))
    assert content.subject == "[Renewal Radar] 100 new alerts (100 critical)"
    assert content.text.count("[CRITICAL]") == 10
    assert content.text.count("\n  - Critical: Renewal at risk — Account") == 15
    assert "…and 75 more.\n" in content.text
    for part in (content.text, content.html):
        assert "Account 24 " in part and "Account 25 " not in part
    assert content.html.count("<h2") == 11  # 10 alerts + the list's heading
    assert len(content.text) < 12_000


def test_the_count_of_the_rest_links_to_the_console_when_there_is_one() -> None:
    alerts = [make_alert(alert_id=f"a-{n}", dedup_key=f"k-{n}") for n in range(30)]
    content = render_email(_digest(*alerts), Links(console_url="https://radar.example.com"))
    link = "https://radar.example.com/alerts?state=raised&owner=jane%40example.com"
    assert f"…and 5 more: {link}\n" in content.text
    assert f'<a href="{link.replace("&", "&amp;")}">…and 5 more</a>' in content.html


def test_missing_optional_fields() -> None:
    alert = make_alert(owner=None, arr=None, renewal_date=None, health_score=None, drivers=())
    content = render_email(_digest(alert))
    assert "Owner: unassigned" in content.text
    assert "ARR: n/a" in content.text
    assert "Why:" not in content.text
