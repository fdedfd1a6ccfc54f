"""Raw events in, health.scored and alerts out, through the real broker and database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from health_harness import (
    T0,
    account_upserted,
    at,
    contact,
    engagement,
    health_settings,
    identified,
    new_account,
    nps,
    running_health,
    subscription,
    ticket,
    usage,
)

from radar_health.rules import PACKAGE, HealthRules
from radar_runtime.rules import load_rules, rules_from_mapping
from radar_runtime.testing.helpers import publish

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
async def health(kafka_bootstrap, database_url):
    async with running_health(health_settings(kafka_bootstrap, database_url)) as running:
        yield running


def declining_account(account: str) -> list:
    """Usage down 21 % over 30 days and to 10 % of normal last week, a champion gone with
    the renewal 100 days out, an urgent ticket, a detractor, and a recent meeting."""
    events = [
        account_upserted(account, at(400), name="Acme Corp", segment="enterprise"),
        subscription(account, at(300), seats=10, ends=(T0 + timedelta(days=100)).date()),
        contact(account, at(200), "c-champ", "champion"),
        contact(account, at(200), "c-exec", "exec_sponsor"),
        contact(account, at(3), "c-champ", "champion", "left"),
        ticket(account, at(1), "opened", "T-1", priority="urgent"),
        nps(account, at(5), 5, contact="c-3"),
        engagement(account, at(10)),
    ]
    for days_back in range(1, 61):
        events.append(usage(account, at(days_back), 1.0 if days_back <= 7 else 10.0))
    for user in range(5):  # five active users of ten seats, on a metric that is not usage
        events.append(usage(account, at(2), 1.0, metric="page_views", user=f"u-{user}"))
    return events


async def test_raw_events_produce_an_explained_score_and_alerts_once(health, kafka_bootstrap):
    account = new_account()
    await publish(kafka_bootstrap, health.settings, declining_account(account))

    def final_score():
        scored = health.emitted.of(account, "health.scored")
        return scored and scored[-1].payload.score == 51.6 and scored[-1]

    scored = await health.wait_for(final_score, what="health.scored of 51.6")
    payload = scored.payload
    assert payload.band == "yellow" and payload.segment == "enterprise"
    components = {c.measure: c for c in payload.components}
    assert components["usage_trend"].raw_value == pytest.approx(-21.0)
    assert components["license_utilization"].raw_value == 50.0
    assert components["support_load"].sub_score == 60.0
    assert components["satisfaction"].sub_score == 20.0
    assert components["engagement_recency"].sub_score == 100.0
    assert components["relationship"].raw_value == 25.0
    assert components["support_load"].explanation == "1 open ticket weighs 4 (1 urgent)"
    assert payload.missing == []

    expected = {"usage.sharp_drop", "champion.left", "support.escalation", "nps.detractor"}
    # The events are history (late): the rules hold until it has settled, then judge it
    # day by day, each alert raised at the close (midnight UTC) of the day it began.
    assert not health.emitted.alerts(account)
    settle = load_rules(HealthRules, PACKAGE).alerts.backfill_settle_minutes
    health.clock.advance(timedelta(minutes=settle))
    await health.wait_for(
        lambda: expected <= set(health.emitted.alerts(account)), what="the four alerts"
    )
    raised_events = {}
    for event in health.emitted.of(account, "alert.raised"):  # the first of each rule
        raised_events.setdefault(event.payload.rule, event)
    midnight = T0.replace(hour=0)
    assert {rule: raised_events[rule].occurred_at for rule in expected} == {
        "usage.sharp_drop": midnight - timedelta(days=3),  # 4 low days in the last 7
        "champion.left": midnight - timedelta(days=2),
        "nps.detractor": midnight - timedelta(days=4),
        "support.escalation": midnight,
    }
    # Silent from 45 days after the account appeared until the meeting ten days ago: a
    # condition over within the history, raised and resolved with the instants it held.
    [silent_resolved] = health.emitted.of(account, "alert.resolved")
    assert silent_resolved.payload.rule == "engagement.silent"
    assert raised_events["engagement.silent"].occurred_at == midnight - timedelta(days=354)
    assert silent_resolved.occurred_at == midnight - timedelta(days=9)
    raised = health.emitted.alerts(account)
    drop = raised["usage.sharp_drop"][0]
    assert {d.name: d.value for d in drop.drivers}["usage_ratio_percent"] == 48.6
    assert drop.recommended_actions[0] == "Schedule a check-in"
    assert drop.owner.email == "dana.reyes@example.com" and drop.manager.name == "Sam Okafor"
    assert (drop.account_name, drop.segment, drop.region) == ("Acme Corp", "enterprise", "emea")
    assert (drop.arr, drop.currency) == (120_000.0, "EUR")
    assert drop.renewal_date == (T0 + timedelta(days=100)).date()
    champion = raised["champion.left"][0]
    assert champion.severity == "critical"  # renewal fewer than 180 days away
    assert {d.name: d.value for d in champion.drivers} == {
        "contact": "c-champ",
        "days_to_renewal": 102.0,  # as of the close of the day the champion left
    }
    assert raised["support.escalation"][0].dedup_key == f"support.escalation:{account}:T-1"

    # Closing the ticket resolves its alert; nothing else is raised again.
    await publish(kafka_bootstrap, health.settings, [ticket(account, at(0.5), "closed", "T-1")])
    await health.wait_for(
        lambda: health.emitted.alerts(account, "alert.resolved").get("support.escalation"),
        what="support.escalation resolved",
    )
    resolved = health.emitted.alerts(account, "alert.resolved")["support.escalation"][0]
    assert resolved.alert_id == raised["support.escalation"][0].alert_id
    assert resolved.summary.startswith("Resolved: ")
    raised_after = health.emitted.alerts(account)
    assert {rule: len(alerts) for rule, alerts in raised_after.items() if rule in expected} == {
        rule: 1 for rule in expected
    }


async def test_account_list_filters_sorts_and_pages(health, kafka_bootstrap):
    owner = {"name": "Pat Lee", "email": f"{new_account('pat')}@example.com"}
    ages = {"green-1": 1, "yellow": 50, "red": 85, "green-2": 1, "unscored": None}
    accounts = {label: new_account(label) for label in ages}
    events = []
    for label, account in accounts.items():
        segment = "enterprise" if label == "green-2" else "smb"
        events.append(account_upserted(account, at(60), name=label, segment=segment, owner=owner))
        if ages[label] is not None:
            events.append(engagement(account, at(ages[label])))
    await publish(kafka_bootstrap, health.settings, events)
    by_owner = f"/v1/accounts?owner={owner['email'].upper()}"

    async def all_scored():
        items = (await health.client.get(f"{by_owner}&limit=10")).json()["items"]
        return len([i for i in items if i["score"] is not None]) == 4 and items

    await health.wait_for_async(all_scored, what="four scored accounts")

    async def ids(query: str) -> list[str]:
        response = await health.client.get(f"{by_owner}&{query}")
        assert response.status_code == 200, response.text
        return [item["account_id"] for item in response.json()["items"]]

    greens = sorted([accounts["green-1"], accounts["green-2"]])
    worst_first = [accounts["red"], accounts["yellow"], *greens, accounts["unscored"]]
    assert await ids("sort=score") == worst_first
    assert await ids("sort=-score") == [
        *reversed(greens),
        accounts["yellow"],
        accounts["red"],
        accounts["unscored"],
    ]
    assert await ids("sort=name") == [accounts[n] for n in sorted(accounts)]
    assert await ids("band=red") == [accounts["red"]]
    assert set(await ids("segment=smb")) == set(accounts.values()) - {accounts["green-2"]}

    pages, cursor = [], None
    while True:
        query = f"{by_owner}&sort=score&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (await health.client.get(query)).json()
        pages.append([item["account_id"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == [worst_first[0:2], worst_first[2:4], worst_first[4:]]

    item = (await health.client.get(f"{by_owner}&band=yellow")).json()["items"][0]
    assert (item["name"], item["segment"], item["owner"]["name"]) == ("yellow", "smb", "Pat Lee")
    assert item["score"] == 52.6 and item["source"] == "computed"

    assert (await health.client.get("/v1/accounts?sort=owner")).status_code == 422
    assert (await health.client.get("/v1/accounts?limit=0")).status_code == 422
    assert (await health.client.get("/v1/accounts?band=blue")).status_code == 422
    bad_cursor = await health.client.get("/v1/accounts?cursor=not-a-cursor")
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["error"]["details"][0]["field"] == "query.cursor"


async def test_an_alert_is_shown_again_when_the_account_and_person_get_names(
    health, kafka_bootstrap
):
    """Raised before the CRM named the account and the champion: the same alert is sent
    again with the account's name, owner and currency and the champion's name."""
    account = new_account("unnamed")
    history = [
        subscription(account, at(80), sub=f"sub-{account}", seats=10),
        contact(account, at(80), "c-champ", "champion"),
        contact(account, at(20), "c-champ", "champion", "left"),
        engagement(account, at(60)),
    ]
    await publish(kafka_bootstrap, health.settings, history)
    await health.wait_for_async(
        lambda: health.settled(account, [e.event_id for e in history]), what="history applied"
    )
    await health.replay_settled_history(timedelta(minutes=settle_minutes()))
    await health.wait_for(
        lambda: (
            {"champion.left", "engagement.silent"}
            <= {e.payload.rule for e in health.emitted.of(account, "alert.raised")}
        ),
        what="the two alerts",
    )
    raised = {e.payload.rule: e.payload for e in health.emitted.of(account, "alert.raised")}
    assert raised["champion.left"].title == "Champion c-champ left"
    assert (raised["engagement.silent"].account_name, raised["engagement.silent"].owner) == (
        None,
        None,
    )

    # Product analytics names the champion (contact.identified); the CRM names the account.
    named = identified(account, at(hours=2), "c-champ", "Jane Doe")
    await publish(
        kafka_bootstrap,
        health.settings,
        [account_upserted(account, at(hours=2), name="Blue Harbor Health SA"), named],
    )

    def shown_again() -> dict:
        events = health.emitted.of(account, "alert.raised")
        return {e.payload.rule: e.payload for e in events if e.payload.account_name}

    again = await health.wait_for(
        lambda: {"champion.left", "engagement.silent"} <= set(shown_again()) and shown_again(),
        what="both shown again",
    )
    for rule in ("champion.left", "engagement.silent"):
        assert again[rule].alert_id == raised[rule].alert_id  # the same alert, updated
        assert again[rule].account_name == "Blue Harbor Health SA"
        assert again[rule].owner.email == "dana.reyes@example.com"
        assert (again[rule].arr, again[rule].currency) == (120_000.0, "EUR")
    assert again["champion.left"].title == "Champion Jane Doe left"
    assert not health.emitted.of(account, "alert.resolved")


async def test_history_pages_and_says_when_there_is_more(health, kafka_bootstrap):
    account = new_account("paged")
    history = [engagement(account, at(12))] + [usage(account, at(d), 5.0) for d in range(1, 12)]
    await publish(kafka_bootstrap, health.settings, history)
    await health.wait_for_async(
        lambda: health.settled(account, [e.event_id for e in history]), what="history applied"
    )
    await health.replay_settled_history(timedelta(minutes=settle_minutes()))
    url = f"/v1/accounts/{account}/health/history?days=30&limit=5"
    pages, cursor = [], None
    while True:
        page = (await health.client.get(url + (f"&cursor={cursor}" if cursor else ""))).json()
        pages.append([p["at"] for p in page["points"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    points = [at_ for page in pages for at_ in page]
    assert [len(page) for page in pages][:2] == [5, 5] and len(points) >= 12
    assert points == sorted(set(points))  # no point twice, oldest first
    everything = await health.client.get(f"/v1/accounts/{account}/health/history?days=30")
    assert [p["at"] for p in everything.json()["points"]] == points
    bad = await health.client.get(url + "&cursor=not-a-cursor")
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "query.cursor"


def settle_minutes() -> int:
    return load_rules(HealthRules, PACKAGE).alerts.backfill_settle_minutes


async def test_unknown_accounts_are_404_with_a_clear_message(health):
    message = {
        "error": {
            "code": "not_found",
            "message": "account 'acct-nobody' is not known to the health service",
            "details": [],
        }
    }
    for path in ("/v1/accounts/acct-nobody/health", "/v1/accounts/acct-nobody/health/history"):
        response = await health.client.get(path)
        assert (response.status_code, response.json()) == (404, message)
    unknown_delete = await health.client.delete("/v1/accounts/acct-nobody/health/override")
    assert (unknown_delete.status_code, unknown_delete.json()) == (404, message)


async def test_active_usage_patterns_are_matched_by_the_database(kafka_bootstrap, database_url):
    rules = rules_from_mapping(
        HealthRules, PACKAGE, {"active_usage_metrics": ["feature.*", "log?ns"]}
    )
    settings = health_settings(kafka_bootstrap, database_url)
    async with running_health(settings, rules=rules) as health:
        account = new_account()
        events = [usage(account, at(days), 5.0, metric="feature.reports") for days in range(1, 31)]
        events += [usage(account, at(days), 10.0, metric="logins") for days in range(31, 61)]
        events += [usage(account, at(days), 999.0, metric="api_calls") for days in range(1, 61)]
        await publish(kafka_bootstrap, settings, events)

        async def settled_usage_trend():
            # Batches may score a partly applied stream first; wait for all of it.
            view = (await health.client.get(f"/v1/accounts/{account}/health")).json()
            trend = next(
                (c for c in view.get("components", []) if c["measure"] == "usage_trend"), None
            )
            return trend if trend is not None and trend["raw_value"] == -50.0 else None

        component = await health.wait_for_async(settled_usage_trend, what="a -50 % usage trend")
        assert component["explanation"] == (
            "Active usage 150 in the last 30 days vs 300 before (−50 %)"
        )
