"""The health service: accounts, scores, history and overrides."""

from __future__ import annotations

from typing import Any

from .base import ApiClient


class HealthClient(ApiClient):
    async def me(self, credential: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.get("/v1/me", credential)
        return result

    async def accounts(self, credential: str, **filters: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.get("/v1/accounts", credential, **filters)
        return result

    async def health(self, credential: str, account_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.get(f"/v1/accounts/{account_id}/health", credential)
        return result

    async def history(self, credential: str, account_id: str, days: int = 90) -> dict[str, Any]:
        result: dict[str, Any] = await self.get(
            f"/v1/accounts/{account_id}/health/history", credential, days=days, limit=1000
        )
        return result

    async def set_override(
        self, credential: str, account_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "PUT", f"/v1/accounts/{account_id}/health/override", credential, json=body
        )
        return result

    async def remove_override(self, credential: str, account_id: str) -> None:
        await self.call("DELETE", f"/v1/accounts/{account_id}/health/override", credential)
