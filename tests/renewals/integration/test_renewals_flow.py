"""CRM and health events in, through the real broker and database: state changes, risk
with its drivers, alerts out, and what the API shows."""

from __future__ import annotations

from datetime import date

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from renewals_support import (
    account,
    at,
    booking,
    contact,
    health,
    opportunity,
    running_service,
    subscription,
)

from radar_runtime.testing.helpers import eventually
from radar_schemas import (
    AlertRaisedEvent,
    AlertResolvedEvent,
    RenewalStateChangedEvent,
    ScoreOverride,
)

pytestmark = pytest.mark.integration


def sample(text: str, name: str, **labels: str) -> Sample:
    """The one sample of `name` (a counter's `_total`) whose labels include `labels`."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and labels.items() <= found.labels.items():
                return found
    raise AssertionError(f"no {name} sample with {labels}")


TODAY = date(2026, 1, 10)
END = date(2026, 4, 30)  # 110 days out: in the window, before the prepare mark


def undecided_renewal(account_id: str, subscription_id: str) -> list:
    """A term renewing on END whose deal is still in Discovery, left out of the forecast:
    with poor health, a high risk."""
    return [
        account(account_id, at(date(2025, 5, 1))),
        subscription(
            account_id, subscription_id, at(date(2025, 5, 1)), start=date(2025, 5, 1), end=END
        ),
        opportunity(
            account_id,
            subscription_id,
            at(date(2026, 1, 2)),
            stage="Discovery",
            category="omitted",
            close=END,
        ),
    ]


async def test_a_risky_renewal_raises_at_risk_and_a_booking_resolves_it(
    kafka_bootstrap, database_url
):
    risky = [
        *undecided_renewal("acct-risky", "sub-risky"),
        health(
            "acct-risky",
            at(date(2026, 1, 9)),
            score=25.0,
            band="red",
            score_30d_ago=60.0,
            utilisation_percent=15.0,
            open_escalations=1,  # as the health service counted them
        ),
        contact(
            "acct-risky", at(date(2026, 1, 3)), contact_id="c1", role="champion", change="left"
        ),
    ]
    calm = [
        account(
            "acct-calm",
            at(date(2025, 1, 1)),
            name="Calm Ltd",
            segment="smb",
            owner="lee@example.com",
        ),
        subscription(
            "acct-calm",
            "sub-calm",
            at(date(2025, 1, 1)),
            start=date(2026, 1, 1),
            end=date(2026, 12, 31),
        ),
        health("acct-calm", at(date(2026, 1, 9)), score=90.0, band="green", score_30d_ago=85.0),
    ]
    async with running_service(kafka_bootstrap, database_url, at(TODAY)) as service:
        await service.publish(risky + calm)
        await service.wait_processed(risky + calm)

        detail = await service.get("/v1/renewals/sub-risky")
        current = detail["current"]
        assert current["state"] == "in_window"
        assert current["days_to_renewal"] == 110
        assert current["risk_band"] == "high"
        drivers = {d["name"]: d for d in current["drivers"]}
        assert drivers["health_score"]["impact"] == 17.5  # (60 - 25) × 0.5
        assert drivers["health_trend"]["impact"] == 15.0  # fell 35 ≥ 30 points: the cap
        assert drivers["champion_lost"]["impact"] == 15.0
        assert drivers["open_escalations"]["impact"] == 5.0
        assert drivers["forecast_category"]["impact"] == 15.0  # omitted
        assert drivers["seat_utilisation"]["impact"] == 10.0  # 15 % in use
        assert current["risk_score"] == 100.0  # 25 + 77.5, clamped
        assert current["p_renew"] == pytest.approx(0.2)
        assert current["expected_arr"] == pytest.approx(24_000.0)
        assert current["owner"] == "dana.reyes@example.com"

        calm_view = await service.get("/v1/renewals/sub-calm")
        assert calm_view["current"]["state"] == "upcoming"
        assert calm_view["current"]["risk_band"] == "low"

        listed = await service.get("/v1/renewals", risk_band="high")
        assert [item["subscription_id"] for item in listed["items"]] == ["sub-risky"]
        everything = await service.get("/v1/renewals")
        assert [item["subscription_id"] for item in everything["items"]] == [
            "sub-risky",
            "sub-calm",
        ]  # sorted by renewal date

        changes = [e for e in await service.state_changes(expect=2)]
        assert all(isinstance(e, RenewalStateChangedEvent) for e in changes)
        by_subscription = {e.payload.subscription_id: e.payload for e in changes}
        assert by_subscription["sub-risky"].state == "in_window"
        assert by_subscription["sub-risky"].risk_band == "high"
        assert by_subscription["sub-calm"].state == "upcoming"

        [raised] = await service.alerts(expect=1)
        assert isinstance(raised, AlertRaisedEvent)
        alert = raised.payload
        assert alert.rule == "renewal.at_risk"
        assert alert.severity == "critical"
        assert alert.dedup_key == "renewal.at_risk:sub-risky:2026-04-30"
        assert alert.owner is not None and alert.owner.email == "dana.reyes@example.com"
        assert alert.manager is not None and alert.manager.email == "sam.okafor@example.com"
        assert alert.account_name == "Acme Corp"
        assert (alert.segment, alert.region, alert.arr) == ("enterprise", "emea", 120_000.0)
        assert alert.renewal_date == END
        assert alert.health_score == 25.0
        assert "book an exec sponsor call this week" in alert.recommended_actions
        assert {d.name for d in alert.drivers} >= {"days_to_renewal", "health_score"}

        async def gauges_counted() -> bool:
            text = (await service.http.get("/metrics")).text
            return (
                'radar_renewals{state="in_window"} 1.0' in text
                and 'radar_renewals{state="upcoming"} 1.0' in text
                and 'radar_renewal_arr_at_risk{currency="EUR"} 120000.0' in text
            )

        await eventually(gauges_counted, timeout=20, what="renewal gauges")
        text = (await service.http.get("/metrics")).text
        raised_total = sample(text, "radar_alerts_raised_total", rule="renewal.at_risk")
        assert raised_total.labels["severity"] == "critical"
        assert raised_total.value >= 1

        signed = [
            booking(
                "acct-risky",
                "sub-risky",
                at(TODAY),
                booked=TODAY,
                new_arr=100_000.0,
                new_end=date(2027, 4, 30),
            )
        ]
        await service.publish(signed)
        await service.wait_processed(signed)

        detail = await service.get("/v1/renewals/sub-risky")
        assert [(t["term_start"], t["state"]) for t in detail["terms"]] == [
            ("2025-05-01", "renewed_early"),
            ("2026-05-01", "upcoming"),
        ]
        assert detail["current"]["renewal_date"] == "2027-04-30"
        assert detail["current"]["arr"] == 100_000.0
        assert detail["active_alerts"] == []

        alerts = await service.alerts(expect=2)
        assert isinstance(alerts[-1], AlertResolvedEvent)
        assert alerts[-1].payload.alert_id == alert.alert_id


async def test_an_alert_a_health_override_resolves_says_so_and_names_who(
    kafka_bootstrap, database_url
):
    history = [
        *undecided_renewal("acct-over", "sub-over"),
        health("acct-over", at(date(2026, 1, 8)), score=20.0, band="red", score_30d_ago=60.0),
    ]
    async with running_service(kafka_bootstrap, database_url, at(TODAY)) as service:
        await service.publish(history)
        await service.wait_processed(history)
        [raised] = await service.alerts(expect=1)
        assert raised.payload.rule == "renewal.at_risk"

        override = ScoreOverride(
            score=95.0,
            reason="exec sponsor confirmed the renewal",
            author="Dana Reyes <dana.reyes@example.com>",
            expires_at=at(date(2026, 2, 9)),
        )
        overridden = health(
            "acct-over",
            at(date(2026, 1, 9)),
            score=95.0,
            band="green",
            score_30d_ago=60.0,
            override=override,
        )
        await service.publish([overridden])
        await service.wait_processed([overridden])
        resolved = [e for e in await service.alerts(expect=2) if isinstance(e, AlertResolvedEvent)]
        [summary] = [e.payload.summary for e in resolved]
        assert summary.startswith("Resolved (risk now ")
        assert (
            "; health overridden to 95 by Dana Reyes <dana.reyes@example.com>, "
            "reason: exec sponsor confirmed the renewal): "
        ) in summary
        detail = await service.get("/v1/renewals/sub-over")
        assert detail["current"]["risk_band"] != "high"


async def test_health_history_being_replayed_holds_the_at_risk_verdict(
    kafka_bootstrap, database_url
):
    """A health score days older than its arrival, or one health marks provisional, is
    history being loaded: the term's risk shows it, but the at-risk alert waits for the
    account's settled health of today."""
    crm = undecided_renewal("acct-replay", "sub-replay")
    bad_month = [
        health("acct-replay", at(date(2025, 11, day)), score=20.0, band="red", score_30d_ago=60.0)
        for day in (1, 2, 3)
    ]
    half_loaded = health(
        "acct-replay",
        at(date(2026, 1, 9)),
        score=0.0,
        band="red",
        score_30d_ago=60.0,
        provisional=True,
    )
    today = health("acct-replay", at(TODAY), score=22.0, band="red", score_30d_ago=58.0)
    async with running_service(kafka_bootstrap, database_url, at(TODAY)) as service:
        await service.publish(crm + bad_month)
        await service.wait_processed(crm + bad_month)
        detail = await service.get("/v1/renewals/sub-replay")
        assert detail["current"]["risk_band"] == "high"  # the risk as of the newest score
        assert detail["active_alerts"] == []  # but no verdict on a month long past
        await service.publish([half_loaded])
        await service.wait_processed([half_loaded])
        detail = await service.get("/v1/renewals/sub-replay")
        assert detail["current"]["risk_band"] == "high"  # shown as it stands
        assert detail["active_alerts"] == []  # nor on a history half arrived
        # Nor when a CRM fact, not the score, brings the term up again.
        crm_later = opportunity(
            "acct-replay",
            "sub-replay",
            at(date(2026, 1, 9)),
            stage="Discovery",
            category="pipeline",
            close=END,
        )
        await service.publish([crm_later])
        await service.wait_processed([crm_later])
        detail = await service.get("/v1/renewals/sub-replay")
        assert detail["current"]["risk_band"] == "high"
        assert detail["active_alerts"] == []

        await service.publish([today])
        await service.wait_processed([today])
        [raised] = await service.alerts(expect=1)
        assert raised.payload.dedup_key == "renewal.at_risk:sub-replay:2026-04-30"
        assert raised.payload.health_score == 22.0
        detail = await service.get("/v1/renewals/sub-replay")
        assert [a["rule"] for a in detail["active_alerts"]] == ["renewal.at_risk"]


async def test_a_crm_history_beside_todays_health_is_dated_by_its_own_facts(
    kafka_bootstrap, database_url
):
    """A term found overdue in a CRM history being loaded is stamped when it became
    overdue, not by a signal of today in the same batch (a contact change; today's health
    score alike): the notifier holds it as history, so a booking still to come in that
    history pages nobody."""
    ended = date(2025, 12, 1)
    crm = [
        account("acct-import", at(date(2024, 12, 1))),
        subscription(
            "acct-import", "sub-import", at(date(2024, 12, 1)), start=date(2024, 12, 2), end=ended
        ),
    ]
    today = contact("acct-import", at(TODAY), contact_id="c-1", role="champion", change="joined")
    async with running_service(kafka_bootstrap, database_url, at(TODAY, hour=12)) as service:
        await service.publish([*crm, today])
        await service.wait_processed([*crm, today])
        alerts = await service.alerts(expect=1)
        overdue = [a for a in alerts if a.payload.rule == "renewal.overdue"]
        assert [a.occurred_at.date() for a in overdue] == [date(2025, 12, 2)]
        assert all(a.occurred_at < at(TODAY) for a in alerts)
        [changed] = await service.state_changes(expect=1)
        assert changed.occurred_at == at(date(2024, 12, 1))
