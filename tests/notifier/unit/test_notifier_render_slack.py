from __future__ import annotations

import json
from typing import Any

from notifier_factories import T0, email, make_alert, minutes, slack

from radar_notifier.domain.alerts import AlertView, Driver, Person
from radar_notifier.domain.digest import Digest, PendingNotification
from radar_notifier.domain.render import Links, render_slack
from radar_notifier.domain.render.slack import truncate_mrkdwn
from radar_schemas.common import Severity

CHANNEL = slack("cs-alerts")


def _digest(*alerts: AlertView) -> Digest:
    items = tuple(PendingNotification(recipient=CHANNEL, alert=a, enqueued_at=T0) for a in alerts)
    return Digest(recipient=CHANNEL, items=items, superseded=(), created_at=T0 + minutes(1))


def _many(count: int) -> list[AlertView]:
    return [
        make_alert(
            alert_id=f"a-{n}",
            dedup_key=f"k-{n}",
            account_name=f"Account {n}",
            severity=[Severity.CRITICAL, Severity.WARNING, Severity.INFO][n % 3],
        )
        for n in range(count)
    ]


def assert_valid_block_kit(payload: dict[str, Any]) -> None:
    """The structural rules and limits Slack enforces on an incoming-webhook message."""
    json.dumps(payload)  # plain JSON types only
    assert isinstance(payload["text"], str) and payload["text"].strip()
    blocks = payload["blocks"]
    assert 1 <= len(blocks) <= 50
    for block in blocks:
        kind = block["type"]
        assert kind in {"header", "section", "context", "divider", "actions"}
        assert len(block.get("block_id", "")) <= 255
        if kind == "header":
            assert block["text"]["type"] == "plain_text"
            assert 0 < len(block["text"]["text"]) <= 150
        elif kind == "section":
            assert block["text"]["type"] == "mrkdwn"
            assert 0 < len(block["text"]["text"]) <= 3000
            fields = block.get("fields", [])
            assert len(fields) <= 10
            assert all(f["type"] == "mrkdwn" and 0 < len(f["text"]) <= 2000 for f in fields)
        elif kind == "context":
            assert 1 <= len(block["elements"]) <= 10
            assert all(0 < len(e["text"]) <= 2000 for e in block["elements"])
        elif kind == "actions":
            elements = block["elements"]
            assert 1 <= len(elements) <= 25
            assert len({e["action_id"] for e in elements}) == len(elements)
            for element in elements:
                assert element["type"] in {"button", "static_select"}
                assert len(element.get("value", "")) <= 2000
                for option in element.get("options", []):
                    assert len(option["text"]["text"]) <= 75 and len(option["value"]) <= 150
        else:
            assert set(block) == {"type"}


def _all_text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_single_alert_has_header_facts_drivers_play_and_owner() -> None:
    payload = render_slack(_digest(make_alert()))
    assert_valid_block_kit(payload)
    header, _, section, context, divider = payload["blocks"]
    assert header["text"]["text"] == "Critical: Renewal at risk — Acme Corp"
    text = section["text"]["text"]
    assert text.startswith(":red_circle: *Critical: Renewal at risk*")
    assert "• usage_trend: -42.5 — Active usage fell 42.5 %" in text
    assert "*Recommended play*\n• Schedule a check-in\n• Offer training" in text
    fields = [f["text"] for f in section["fields"]]
    assert fields == [
        "*Account*\nAcme Corp (enterprise, emea)",
        "*ARR*\nUSD 120,000",
        "*Renewal*\n2026-05-15 (in 75 days)",
        "*Health*\n38/100",
        "*Owner*\nJane Doe (<@U0123ABC>)",
    ]
    assert "renewal.at_risk" in context["elements"][0]["text"]
    assert divider == {"type": "divider"}
    assert payload["text"].startswith("Critical: Renewal at risk — Acme Corp")


def test_severity_emoji() -> None:
    warning = render_slack(_digest(make_alert(severity=Severity.WARNING)))
    info = render_slack(_digest(make_alert(severity=Severity.INFO)))
    assert warning["blocks"][2]["text"]["text"].startswith(":large_orange_circle:")
    assert info["blocks"][2]["text"]["text"].startswith(":large_blue_circle:")


def test_resolved_notice_renders_distinctly() -> None:
    payload = render_slack(_digest(make_alert(resolved=True)))
    assert_valid_block_kit(payload)
    assert payload["blocks"][0]["text"]["text"] == "Resolved: Renewal at risk — Acme Corp"
    text = payload["blocks"][2]["text"]["text"]
    assert text.startswith(":white_check_mark: *Resolved: Renewal at risk*")
    assert "Recommended play" not in text


def test_hundred_alerts_respect_limits_and_summarise_the_rest() -> None:
    payload = render_slack(_digest(*_many(100)))
    assert_valid_block_kit(payload)
    assert payload["blocks"][0]["text"]["text"] == "100 new alerts (34 critical)"
    detailed = [b for b in payload["blocks"] if b["type"] == "section" and "fields" in b]
    assert len(detailed) == 5
    overflow = payload["blocks"][-1]["text"]["text"]
    assert overflow.startswith("*More alerts, most important first:*")
    assert overflow.count("\n• ") == 10
    assert overflow.endswith("\n_…and 85 more_")
    assert len(payload["text"]) <= 3000


def test_the_listed_alerts_and_the_count_fit_in_one_section_with_a_link() -> None:
    long_titles = [
        make_alert(alert_id=f"a-{n}", dedup_key=f"k-{n}", title="T" * 250) for n in range(60)
    ]
    links = Links(console_url="https://radar.example.com")
    payload = render_slack(_digest(*long_titles), links)
    assert_valid_block_kit(payload)
    overflow = payload["blocks"][-1]["text"]["text"]
    assert overflow.count("\n• ") == 10
    assert overflow.endswith("\n<https://radar.example.com/alerts?state=raised|…and 45 more>")


def test_long_text_is_truncated_cleanly() -> None:
    alert = make_alert(
        title="Very long " * 40,
        summary="word " * 1000,
        drivers=tuple(Driver(name=f"d{n}", value=n, explanation="x " * 300) for n in range(8)),
        account_name="Name " * 500,
    )
    payload = render_slack(_digest(alert))
    assert_valid_block_kit(payload)
    section_text = payload["blocks"][2]["text"]["text"]
    assert section_text.endswith("…")
    assert len(payload["blocks"][0]["text"]["text"]) <= 150


def test_alert_text_cannot_inject_mentions_or_links() -> None:
    alert = make_alert(
        title="<!channel> pay <https://evil.example|here>",
        summary="a & b <@U999>",
        account_name="<!here>",
        owner=Person(name="Eve", email="eve@example.com", slack_id="U1>|<!everyone"),
    )
    payload = render_slack(_digest(alert))
    # The header is plain_text, which Slack never parses for mentions or links.
    header, *rest = payload["blocks"]
    assert header["text"]["type"] == "plain_text"
    text = _all_text({"text": payload["text"], "blocks": rest})
    assert "<!channel>" not in text and "<!here>" not in text and "<!everyone" not in text
    assert "<https://evil" not in text and "<@U999>" not in text
    assert "&lt;!channel&gt; pay &lt;https://evil.example|here&gt;" in text
    assert "a &amp; b" in text


def test_missing_optional_facts_show_n_a() -> None:
    alert = make_alert(
        arr=None,
        renewal_date=None,
        health_score=None,
        owner=None,
        drivers=(),
        recommended_actions=(),
    )
    payload = render_slack(_digest(alert))
    assert_valid_block_kit(payload)
    fields = [f["text"] for f in payload["blocks"][2]["fields"]]
    assert fields[1:] == ["*ARR*\nn/a", "*Renewal*\nn/a", "*Health*\nn/a", "*Owner*\nunassigned"]


def test_truncation_never_splits_an_entity() -> None:
    text = "&amp;" * 10
    for limit in range(2, 50):
        short = truncate_mrkdwn(text, limit)
        assert len(short) <= limit
        assert short.removesuffix("…").count("&") == short.removesuffix("…").count(";")


def test_email_recipient_digest_renders_too() -> None:
    alert = make_alert()
    item = PendingNotification(recipient=email("jane@example.com"), alert=alert, enqueued_at=T0)
    digest = Digest(recipient=item.recipient, items=(item,), superseded=(), created_at=T0)
    assert_valid_block_kit(render_slack(digest))


def test_every_raised_alert_carries_its_buttons_within_slacks_limits() -> None:
    alerts = [*_many(99), make_alert(alert_id="gone", dedup_key="gone", resolved=True)]
    links = Links(console_url="https://radar.example.com", slack_buttons=True)
    payload = render_slack(_digest(*alerts), links)
    assert_valid_block_kit(payload)
    actions = [b for b in payload["blocks"] if b["type"] == "actions"]
    # Five alerts in full and ten listed, each with its own set.
    assert [b["block_id"] for b in actions] == [f"alert:a-{n}" for n in range(15)]
    first = {e["action_id"]: e for e in actions[0]["elements"]}
    assert set(first) == {"ack", "snooze_7d", "snooze", "not_useful", "open"}
    assert first["snooze_7d"]["value"] == "snooze:7d"
    assert [o["value"] for o in first["snooze"]["options"]] == [
        "snooze:1d",
        "snooze:7d",
        "snooze:30d",
        "snooze:renewal",
    ]
    assert [o["text"]["text"] for o in first["not_useful"]["options"]] == [
        "Wrong",
        "Already known",
        "Not actionable",
        "Other",
    ]
    assert first["open"]["url"] == "https://radar.example.com/accounts/acct-1"


def test_a_resolved_notice_and_a_message_without_interactivity_carry_no_buttons() -> None:
    resolved = render_slack(_digest(make_alert(resolved=True)), Links(slack_buttons=True))
    assert all(b["type"] != "actions" for b in resolved["blocks"])
    plain = render_slack(_digest(make_alert()))
    assert all(b["type"] != "actions" for b in plain["blocks"])
