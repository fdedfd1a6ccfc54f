"""Credentials for service tests: API tokens made through the real registry (the same
path `radar-tokens new` takes), sent as bearer headers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from radar_runtime.auth.admin import issue_token
from radar_runtime.auth.cli import operator
from radar_runtime.auth.roles import Role
from radar_runtime.db import Database
from radar_runtime.settings import RuntimeSettings


async def api_token(
    settings: RuntimeSettings,
    *,
    name: str,
    role: Role,
    now: datetime,
    email: str | None = None,
    scope: Sequence[str] = (),
) -> str:
    """A token in the registry the service under test reads (its `auth_schema`)."""
    db = Database(
        settings.auth_database_url or settings.database_url, settings.auth_schema, pool_size=1
    )
    try:
        return await issue_token(
            db, name=name, role=role, by=operator(), now=now, email=email, scope=scope
        )
    finally:
        await db.dispose()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


OPEN = {"/healthz", "/readyz"}


async def anonymous_answers(http: Any) -> dict[str, int]:
    """Every operation the app's OpenAPI document declares, called with no credential:
    `"METHOD /path" -> status`. Path parameters are filled with a plain word, so a
    route that forgot its guard would answer 2xx or 404, not 401."""
    document = (await http.get("/openapi.json")).json()
    answers: dict[str, int] = {}
    for path, operations in document["paths"].items():
        if path in OPEN:
            continue
        concrete = re.sub(r"\{[^}]+\}", "anything", path)
        for method in operations:
            response = await http.request(method.upper(), concrete, headers={"Authorization": ""})
            answers[f"{method.upper()} {path}"] = response.status_code
    return answers
