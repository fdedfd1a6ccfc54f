"""The manager's forecast call: who may set it, what is kept (history, audit), and the
forecast's three views side by side."""

from __future__ import annotations

from datetime import date

import pytest
from renewals_support import (
    Service,
    account,
    at,
    booking,
    health,
    opportunity,
    running_service,
    subscription,
)

from radar_runtime.auth.roles import Role
from radar_runtime.testing.auth import api_token, bearer

pytestmark = pytest.mark.integration

TODAY = date(2026, 3, 2)
END = date(2026, 5, 31)
MANAGER = "sam.okafor@example.com"  # the accounts' manager (renewals_support.account)
OWNER = "dana.reyes@example.com"
CALL = {
    "category": "best_case",
    "next_step": "Send the order form to Priya",
    "next_step_date": "2026-03-09",
    "note": "Budget approved on the last QBR.",
}


def history() -> list:
    start = date(2025, 6, 1)
    return [
        account("acct-c", at(start), name="Cedar Health"),
        subscription("acct-c", "sub-c", at(start), start=start, end=END, arr=200_000),
        # The rep still has it in pipeline; the model sees a red, falling account.
        opportunity(
            "acct-c", "sub-c", at(TODAY), stage="Discovery", category="pipeline", close=END
        ),
        health("acct-c", at(TODAY), score=15.0, band="red", score_30d_ago=60.0),
        subscription("acct-c", "sub-old", at(start), start=start, end=date(2026, 2, 1)),
        booking(
            "acct-c",
            "sub-old",
            at(date(2026, 1, 20)),
            booked=date(2026, 1, 20),
            new_arr=100_000,
            new_end=date(2027, 2, 1),
        ),
    ]


async def headers(service: Service, role: Role, email: str, name: str) -> dict[str, str]:
    token = await api_token(
        service.settings, name=name, role=role, email=email, now=service.clock.now()
    )
    return bearer(token)


async def test_a_manager_calls_a_renewal_and_the_forecast_shows_three_views(
    kafka_bootstrap, database_url
):
    events = history()
    async with running_service(kafka_bootstrap, database_url, at(TODAY)) as service:
        await service.publish(events)
        await service.wait_processed(events)
        manager = await headers(service, Role.MANAGER, MANAGER, "sam")
        path = "/v1/renewals/sub-c/call"

        # Rights: the rep (csm), a viewer and another team's manager may not call it.
        for role, email, name in (
            (Role.CSM, OWNER, "dana"),
            (Role.VIEWER, MANAGER, "viewer"),
            (Role.MANAGER, "other.manager@example.com", "other"),
        ):
            refused = await service.http.put(
                path, json=CALL, headers=await headers(service, role, email, name)
            )
            assert refused.status_code == 403, (role, refused.text)
            offered = await service.http.get(
                "/v1/renewals",
                params={"account": "acct-c"},
                headers=await headers(service, role, email, f"{name}-list"),
            )
            assert not any(i["may_call"] for i in offered.json()["items"]), role
        # Who called comes from the credential, never from the body.
        forged = await service.http.put(path, json={**CALL, "by_name": "X"}, headers=manager)
        assert forged.status_code == 422

        offered = await service.http.get(
            "/v1/renewals", params={"account": "acct-c"}, headers=manager
        )
        by_term = {
            (i["subscription_id"], i["renewal_date"]): i["may_call"]
            for i in offered.json()["items"]
        }
        # The open terms of the accounts Sam manages; the booked term is closed.
        assert by_term == {
            ("sub-c", END.isoformat()): True,
            ("sub-old", "2026-02-01"): False,
            ("sub-old", "2027-02-01"): True,
        }

        answer = await service.http.put(path, json=CALL, headers=manager)
        assert answer.status_code == 200, answer.text
        first = answer.json()
        assert (first["category"], first["renewal_date"]) == ("best_case", END.isoformat())
        assert (first["by_name"], first["by_email"]) == ("sam", MANAGER)
        second = await service.http.put(
            path,
            json={**CALL, "category": "commit", "note": "Signature promised this month"},
            headers=manager,
        )
        assert second.status_code == 200

        detail = await service.get("/v1/renewals/sub-c")
        assert detail["current"]["manager_call"]["category"] == "commit"
        listed = (await service.get("/v1/renewals", state="in_window"))["items"]
        assert [item["manager_call"]["note"] for item in listed] == [
            "Signature promised this month"
        ]
        calls = await service.get("/v1/renewals/sub-c/calls", limit=1)
        assert [c["category"] for c in calls["items"]] == ["commit"]
        older = await service.get("/v1/renewals/sub-c/calls", before=calls["next_before"])
        assert ([c["category"] for c in older["items"]], older["next_before"]) == (
            ["best_case"],
            None,
        )

        audit = (await service.get("/v1/audit", action="renewal.call_set"))["entries"]
        assert [(e["actor_email"], e["target_id"]) for e in audit] == [
            (MANAGER, f"sub-c:{END}"),
            (MANAGER, f"sub-c:{END}"),
        ]
        assert (audit[0]["before"]["category"], audit[0]["after"]["category"]) == (
            "best_case",
            "commit",
        )

        # A booked renewal has nothing left to call; an unknown one is not found.
        closed = {**CALL, "renewal_date": "2026-02-01"}
        assert (await service.http.put("/v1/renewals/sub-old/call", json=closed)).status_code == 409
        assert (await service.http.put("/v1/renewals/none/call", json=CALL)).status_code == 404

        forecast = await service.get("/v1/forecast", **{"from": "2026-05-01", "to": "2026-05-31"})
        (may,) = forecast["rows"]
        views = may["views"]
        assert views["crm"]["pipeline"] == 120_000.0  # the opportunity's amount
        assert views["manager"] == {
            "commit": 120_000.0,
            "best_case": 0.0,
            "at_risk": 0.0,
            "omitted": 0.0,
            "called": 1,
            "not_called": 0,
        }
        # Red and falling, yet 90 days out: the model rates it best case (p_renew 0.5-0.8).
        assert views["model"]["best_case"] == 120_000.0
        assert may["differences"]["commit"] == {
            "manager_minus_crm": 120_000.0,
            "manager_minus_model": 120_000.0,
            "crm_minus_model": 0.0,
        }
        (apart,) = forecast["disagreements"]
        assert apart["subscription_id"] == "sub-c"
        assert apart["views"] == {"crm": "pipeline", "model": "best_case", "manager": "commit"}
        assert apart["apart"] == ["manager/crm"]  # commit against a pipeline deal
        unlisted = await service.get(
            "/v1/forecast", **{"from": "2026-05-01", "to": "2026-05-31", "disagreements": 0}
        )
        assert unlisted["disagreements"] is None  # not looked for
        assert unlisted["rows"] == forecast["rows"]
