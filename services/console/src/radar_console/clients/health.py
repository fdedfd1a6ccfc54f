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

    async def changes(
        self, credential: str, account_id: str, start: str | None, end: str | None
    ) -> dict[str, Any]:
        """What moved between two instants (`from`, `to`; the API's defaults when None)."""
        params = {"from": start, "to": end}
        result: dict[str, Any] = await self.get(
            f"/v1/accounts/{account_id}/health/changes", credential, **params
        )
        return result

    async def events(
        self, credential: str, account_id: str, cursor: str | None = None, limit: int = 30
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self.get(
            f"/v1/accounts/{account_id}/events", credential, cursor=cursor, limit=limit
        )
        return result

    async def usage(self, credential: str, account_id: str, days: int = 90) -> dict[str, Any]:
        result: dict[str, Any] = await self.get(
            f"/v1/accounts/{account_id}/usage", credential, days=days
        )
        return result

    async def overrides(self, credential: str, account_id: str, limit: int = 20) -> dict[str, Any]:
        result: dict[str, Any] = await self.get(
            f"/v1/accounts/{account_id}/health/overrides", credential, limit=limit
        )
        return result

    async def trends(
        self, credential: str, account_ids: list[str], days: int = 30
    ) -> dict[str, Any]:
        """Many accounts' daily scores in one call (the book's sparklines)."""
        result: dict[str, Any] = await self.get(
            "/v1/trends", credential, account=account_ids, days=days
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
