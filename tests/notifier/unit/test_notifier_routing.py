from __future__ import annotations

from notifier_factories import MANAGER, config, email, make_alert, slack

from radar_notifier.domain.alerts import Person
from radar_notifier.domain.routing import resolve_recipients, route_alert
from radar_schemas.common import AlertRule, Region, Segment, Severity

ROUTES = """
[[routes]]
name = "enterprise-renewals"
match = { rule = "renewal.*", segment = ["enterprise"] }
channels = ["slack:renewals-enterprise"]
continue = true

[[routes]]
name = "critical"
match = { min_severity = "critical" }
channels = ["email:owner", "email:manager"]

[[routes]]
name = "emea-warnings"
match = { severity = ["warning"], region = ["emea"] }
channels = ["email:owner", "slack:emea-cs"]

[[routes]]
name = "never-reached-after-critical"
match = { min_severity = "critical" }
channels = ["email:vp@example.com"]

[default_route]
channels = ["email:owner"]
"""


def _keys(alert_overrides: dict[str, object], toml: str = ROUTES) -> list[str]:
    return [r.key for r in resolve_recipients(make_alert(**alert_overrides), config(toml))]


def test_rule_glob_and_segment_match_then_continue_to_next_route() -> None:
    outcome = route_alert(make_alert(), config(ROUTES))
    assert outcome.matched_routes == ("enterprise-renewals", "critical")
    assert outcome.recipients == (
        slack("renewals-enterprise", "enterprise-renewals"),
        email("jane@example.com", "critical"),
        email("max@example.com", "critical"),
    )


def test_first_match_without_continue_stops_the_walk() -> None:
    # "never-reached-after-critical" matches too, but "critical" does not continue.
    assert "email:vp@example.com" not in _keys({})


def test_glob_does_not_match_other_rules() -> None:
    keys = _keys({"rule": "health.band_dropped"})
    assert keys == ["email:jane@example.com", "email:max@example.com"]


def test_segment_mismatch_skips_the_route() -> None:
    assert "slack:renewals-enterprise" not in _keys({"segment": "smb"})


def test_severity_list_and_region() -> None:
    warning = {"rule": "usage.sharp_drop", "severity": Severity.WARNING}
    assert _keys({**warning, "region": "emea"}) == ["email:jane@example.com", "slack:emea-cs"]
    assert _keys({**warning, "region": "amer"}) == ["email:jane@example.com"]  # default route


def test_min_severity_excludes_lower_severities() -> None:
    outcome = route_alert(
        make_alert(rule=AlertRule.NPS_DETRACTOR, severity=Severity.INFO, region=Region.APAC),
        config(ROUTES),
    )
    assert outcome.matched_routes == ("default",)


def test_default_route_when_nothing_matches() -> None:
    outcome = route_alert(make_alert(severity=Severity.WARNING, region=Region.AMER), config())
    assert outcome.matched_routes == ("default",)
    assert outcome.recipients == (email("jane@example.com", "default"),)


def test_missing_manager_is_skipped_with_a_reason() -> None:
    outcome = route_alert(make_alert(manager=None, segment=Segment.SMB), config(ROUTES))
    assert [r.key for r in outcome.recipients] == ["email:jane@example.com"]
    assert [(s.channel, s.route, s.reason) for s in outcome.skipped] == [
        ("email:manager", "critical", "alert has no manager")
    ]


def test_missing_owner_and_owner_without_email_are_skipped() -> None:
    no_owner = route_alert(
        make_alert(owner=None, manager=None, segment=Segment.SMB), config(ROUTES)
    )
    assert no_owner.recipients == ()
    assert [s.reason for s in no_owner.skipped] == ["alert has no owner", "alert has no manager"]
    nameless = make_alert(owner=Person(name="Sam"), manager=MANAGER, segment=Segment.SMB)
    outcome = route_alert(nameless, config(ROUTES))
    assert [s.reason for s in outcome.skipped] == ["owner 'Sam' has no email address"]


def test_owner_email_that_could_inject_headers_is_refused() -> None:
    evil = Person(name="Eve", email="eve@example.com\r\nBcc: all@example.com")
    outcome = route_alert(make_alert(owner=evil, segment=Segment.SMB), config(ROUTES))
    assert "email:max@example.com" in [r.key for r in outcome.recipients]
    assert any("is not valid" in s.reason for s in outcome.skipped)


def test_recipients_are_deduplicated_across_routes_and_case() -> None:
    toml = """
    [[routes]]
    name = "a"
    channels = ["email:owner", "slack:cs"]
    continue = true
    [[routes]]
    name = "b"
    channels = ["email:JANE@example.com", "slack:cs", "email:owner"]
    """
    alert = make_alert(owner=Person(name="Jane", email="Jane@Example.com"))
    recipients = resolve_recipients(alert, config(toml))
    assert [(r.key, r.route) for r in recipients] == [
        ("email:jane@example.com", "a"),
        ("slack:cs", "a"),
    ]


def test_route_with_no_channels_silences() -> None:
    toml = '[[routes]]\nname = "mute-info"\nmatch = { severity = ["info"] }\nchannels = []'
    outcome = route_alert(make_alert(severity=Severity.INFO), config(toml))
    assert outcome.matched_routes == ("mute-info",)
    assert outcome.recipients == ()
