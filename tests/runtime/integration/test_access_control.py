"""Access control end to end: tokens from a real OpenID provider, API tokens from the
registry, roles and object checks, the audit log, all through a real app."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter

from radar_runtime import ManualClock, Runtime, RuntimeDep, RuntimeSettings, ServiceSpec, build_app
from radar_runtime.auth.access import Access
from radar_runtime.auth.admin import issue_token, revoke_token
from radar_runtime.auth.audit import record
from radar_runtime.auth.cli import operator
from radar_runtime.auth.http import AccessDep, Caller, requires
from radar_runtime.auth.roles import Owned, Principal, Role
from radar_runtime.db import Database
from radar_runtime.local.oidc import OidcProvider
from radar_runtime.testing.helpers import eventually

from .conftest import runtime_settings
from .toy import toy_migrations

router = APIRouter()


@router.get("/v1/things")
async def read_things(who: Caller) -> dict[str, str]:
    return {"name": who.name, "role": who.role.value}


@router.post("/v1/things/{owner}/act")
async def act_on_thing(
    owner: str,
    who: Annotated[Principal, requires(Role.CSM)],
    access: AccessDep,
    runtime: RuntimeDep,
) -> dict[str, str]:
    access.ensure_may_act_on(who, Owned(owner_email=owner), f"the thing of {owner}")
    async with runtime.unit_of_work() as uow:
        await record(uow, who, "thing.acted", "thing", owner, before=None, after={"acted": True})
    return {"acted_by": who.label}


PEOPLE = {
    "dana": {"name": "Dana Reyes", "email": "dana@example.com", "groups": ["radar-csms"]},
    "mo": {"name": "Mo Chen", "email": "mo@example.com", "groups": ["radar-viewers"]},
    "ada": {"name": "Ada Admin", "email": "ada@example.com", "groups": ["radar-admins", "x"]},
    "nobody": {"name": "No Role", "email": "no@example.com", "groups": ["elsewhere"]},
}


class Client:
    def __init__(self, http: httpx.AsyncClient, clock: ManualClock, settings: RuntimeSettings):
        self.http = http
        self.clock = clock
        self.settings = settings

    async def get(self, path: str, token: str | None = None) -> httpx.Response:
        return await self.http.get(path, headers=_bearer(token))

    async def post(self, path: str, token: str | None = None) -> httpx.Response:
        return await self.http.post(path, headers=_bearer(token))


def _bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


@asynccontextmanager
async def running(
    kafka_bootstrap: str, database_url: str, provider: OidcProvider, **overrides: Any
) -> AsyncIterator[Client]:
    settings = runtime_settings(
        kafka_bootstrap,
        database_url,
        oidc_issuer=provider.issuer,
        oidc_jwks_refresh_seconds=0,
        auth_schema=f"auth_{uuid.uuid4().hex[:8]}",
        **overrides,
    )
    clock = ManualClock(datetime.now(UTC))
    spec = ServiceSpec(
        name="toy", migrations=toy_migrations, routers=[router], access=Access(settings, clock)
    )
    runtime = Runtime(settings, clock)
    app = build_app(spec, runtime)
    async with app.router.lifespan_context(app):
        await runtime.wait_started()
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            yield Client(http, clock, settings)


@pytest.fixture(scope="module", autouse=True)
def people(oidc_provider: OidcProvider) -> None:
    for subject, claims in PEOPLE.items():
        oidc_provider.set_user(subject, claims)


async def test_a_token_from_the_provider_names_the_person_and_their_role(
    kafka_bootstrap, database_url, oidc_provider
):
    async with running(kafka_bootstrap, database_url, oidc_provider) as app:
        answer = await app.get("/v1/things", oidc_provider.id_token("dana"))
        assert answer.status_code == 200
        assert answer.json() == {"name": "Dana Reyes", "role": "csm"}
        # Several groups: the highest role wins.
        assert (await app.get("/v1/things", oidc_provider.id_token("ada"))).json()[
            "role"
        ] == "admin"
        refused = await app.get("/v1/things", oidc_provider.id_token("nobody"))
        assert refused.status_code == 403
        assert "groups" in refused.json()["error"]["message"]


async def test_anonymous_and_bad_credentials_get_401_with_a_challenge(
    kafka_bootstrap, database_url, oidc_provider
):
    async with running(kafka_bootstrap, database_url, oidc_provider) as app:
        anonymous = await app.get("/v1/things")
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"] == 'Bearer realm="renewal-radar"'
        assert anonymous.json()["error"]["code"] == "unauthenticated"
        basic = await app.http.get("/v1/things", headers={"Authorization": "Basic eDp5"})
        assert basic.status_code == 401
        garbage = await app.get("/v1/things", "not-a-token")
        assert garbage.status_code == 401
        assert 'error="invalid_token"' in garbage.headers["www-authenticate"]
        assert (await app.get("/healthz")).status_code == 200
        assert (await app.get("/readyz")).status_code in (200, 503)


async def test_expired_and_not_yet_valid_tokens_are_refused_by_the_service_clock(
    kafka_bootstrap, database_url, oidc_provider
):
    async with running(kafka_bootstrap, database_url, oidc_provider) as app:
        token = oidc_provider.id_token("dana")
        assert (await app.get("/v1/things", token)).status_code == 200
        # Within the leeway a token past its expiry still passes; beyond it, not.
        app.clock.advance(timedelta(seconds=oidc_provider.token_seconds + 30))
        assert (await app.get("/v1/things", token)).status_code == 200
        app.clock.advance(timedelta(seconds=60))
        expired = await app.get("/v1/things", token)
        assert expired.status_code == 401
        assert expired.json()["error"]["message"] == "expired"
        app.clock.set(datetime.now(UTC) - timedelta(hours=2))
        early = await app.get("/v1/things", oidc_provider.id_token("dana"))
        assert early.status_code == 401
        assert early.json()["error"]["message"] == "not yet valid"


async def test_tokens_for_another_audience_or_from_another_issuer_are_refused(
    kafka_bootstrap, database_url, oidc_provider, local_server_dir: Path
):
    async with running(kafka_bootstrap, database_url, oidc_provider) as app:
        other_app = await app.get("/v1/things", oidc_provider.id_token("dana", client_id="crm"))
        assert other_app.status_code == 401
        assert other_app.json()["error"]["message"] == "wrong audience"
        elsewhere = OidcProvider(local_server_dir / "other.log")
        elsewhere.start()
        try:
            elsewhere.set_user("dana", PEOPLE["dana"])
            foreign = await app.get("/v1/things", elsewhere.id_token("dana"))
        finally:
            elsewhere.stop()
        assert foreign.status_code == 401


async def test_forged_tokens_are_refused(kafka_bootstrap, database_url, oidc_provider):
    async with running(kafka_bootstrap, database_url, oidc_provider) as app:
        real = oidc_provider.id_token("mo")
        header, payload, signature = real.split(".")
        claims = json.loads(_unb64(payload))
        promoted = _b64(json.dumps({**claims, "groups": ["radar-admins"]}).encode())

        tampered = f"{header}.{promoted}.{signature}"
        none_header = _b64(b'{"alg":"none","typ":"JWT"}')
        unsigned = f"{none_header}.{promoted}."
        # The classic confusion: HMAC "signed" with the issuer's public key as secret.
        async with httpx.AsyncClient() as http:
            jwks = (await http.get(f"{oidc_provider.issuer}/jwks")).json()
        hs_header = _b64(b'{"alg":"HS256","typ":"JWT"}')
        secret = json.dumps(jwks["keys"][0]).encode()
        mac = hmac.new(secret, f"{hs_header}.{promoted}".encode(), hashlib.sha256).digest()
        confused = f"{hs_header}.{promoted}.{_b64(mac)}"

        for forged, reason in (
            (tampered, "bad signature"),
            (unsigned, "algorithm 'none' is not accepted"),
            (confused, "algorithm 'HS256' is not accepted"),
        ):
            answer = await app.get("/v1/things", forged)
            assert answer.status_code == 401, reason
            assert answer.json()["error"]["message"] == reason


async def test_a_rotated_signing_key_is_fetched_again(
    kafka_bootstrap, database_url, local_server_dir: Path
):
    provider = OidcProvider(local_server_dir / "rotating.log")
    provider.start()
    try:
        async with running(kafka_bootstrap, database_url, provider) as app:
            provider.set_user("dana", PEOPLE["dana"])
            old = provider.id_token("dana")
            assert (await app.get("/v1/things", old)).status_code == 200
            provider.restart()  # same issuer, new key
            provider.set_user("dana", PEOPLE["dana"])
            new = provider.id_token("dana")
            assert (await app.get("/v1/things", new)).status_code == 200
            assert (await app.get("/v1/things", old)).status_code == 401
    finally:
        provider.stop()


async def test_api_tokens_work_until_revoked_or_expired(
    kafka_bootstrap, database_url, oidc_provider
):
    async with running(kafka_bootstrap, database_url, oidc_provider) as app:
        registry = Database(database_url, app.settings.auth_schema, pool_size=1)
        try:
            now = app.clock.now()
            script = await issue_token(
                registry, name="export", role=Role.VIEWER, by=operator(), now=now
            )
            brief = await issue_token(
                registry,
                name="brief",
                role=Role.VIEWER,
                by=operator(),
                now=now,
                expires_at=now + timedelta(days=1),
            )
            assert (await app.get("/v1/things", script)).json() == {
                "name": "export",
                "role": "viewer",
            }
            assert (await app.get("/v1/things", brief)).status_code == 200
            assert (await app.get("/v1/things", "rrt_" + "x" * 43)).status_code == 401

            assert await revoke_token(registry, "export", by=operator(), now=now)

            async def refused() -> bool:
                return (await app.get("/v1/things", script)).status_code == 401

            await eventually(refused, timeout=20, what="the revoked token refused")
            app.clock.advance(timedelta(days=2))
            expired = await app.get("/v1/things", brief)
            assert expired.status_code == 401
            assert expired.json()["error"]["message"] == "token expired"
        finally:
            await registry.dispose()


async def test_commands_check_the_role_and_the_owner_and_are_audited(
    kafka_bootstrap, database_url, oidc_provider
):
    async with running(kafka_bootstrap, database_url, oidc_provider) as app:
        dana, mo, ada = (oidc_provider.id_token(p) for p in ("dana", "mo", "ada"))
        viewer = await app.post("/v1/things/dana@example.com/act", mo)
        assert viewer.status_code == 403
        assert "csm role" in viewer.json()["error"]["message"]
        not_hers = await app.post("/v1/things/someone@example.com/act", dana)
        assert not_hers.status_code == 403
        own = await app.post("/v1/things/DANA@example.com/act", dana)
        assert own.status_code == 200
        assert own.json() == {"acted_by": "Dana Reyes <dana@example.com>"}
        request_id = own.headers["x-request-id"]

        assert (await app.get("/v1/audit", dana)).status_code == 403
        page = (await app.get("/v1/audit", ada)).json()
        [entry] = page["entries"]
        assert entry["action"] == "thing.acted"
        assert entry["target_id"] == "DANA@example.com"
        assert entry["actor_subject"] == "dana"
        assert entry["actor_name"] == "Dana Reyes"
        assert entry["actor_email"] == "dana@example.com"
        assert entry["actor_role"] == "csm"
        assert entry["via"] == "oidc"
        assert entry["after"] == {"acted": True}
        assert entry["request_id"] == request_id
        assert page["next_cursor"] is None


async def test_metrics_can_require_a_token(kafka_bootstrap, database_url, oidc_provider):
    async with running(kafka_bootstrap, database_url, oidc_provider) as app:
        assert (await app.get("/metrics")).status_code == 200
    async with running(
        kafka_bootstrap, database_url, oidc_provider, metrics_token="scrape-me"
    ) as app:
        assert (await app.get("/metrics")).status_code == 401
        assert (await app.get("/metrics", "wrong")).status_code == 401
        assert (await app.get("/metrics", "scrape-me")).status_code == 200


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
