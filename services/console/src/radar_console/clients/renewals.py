"""The renewals service: subscription terms, risk and p_renew."""

from __future__ import annotations

from typing import Any

import httpx

from .base import ApiClient, ApiRefused, SignedOut


class RenewalsClient(ApiClient):
    async def renewals(self, credential: str, **filters: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.get("/v1/renewals", credential, **filters)
        return result

    async def renewal(self, credential: str, subscription_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.get(f"/v1/renewals/{subscription_id}", credential)
        return result

    async def opportunities(
        self, credential: str, account_id: str, cursor: str | None = None, limit: int = 30
    ) -> dict[str, Any]:
        """The account's opportunity edits, newest first; 404 (no such account in renewals)
        reads as none."""
        try:
            result: dict[str, Any] = await self.get(
                f"/v1/accounts/{account_id}/opportunities", credential, cursor=cursor, limit=limit
            )
        except ApiRefused as refused:
            if refused.status != 404:
                raise
            return {"account_id": account_id, "items": [], "next_cursor": None}
        return result

    async def set_call(
        self, credential: str, subscription_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "PUT", f"/v1/renewals/{subscription_id}/call", credential, json=body
        )
        return result

    async def calls(self, credential: str, subscription_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.get(f"/v1/renewals/{subscription_id}/calls", credential)
        return result

    async def forecast(self, credential: str, **params: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.get("/v1/forecast", credential, **params)
        return result

    async def kpis(self, credential: str, **params: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.get("/v1/kpis", credential, **params)
        return result

    async def report_html(self, credential: str) -> str:
        """The leadership report: one self-contained HTML page (not JSON)."""
        try:
            response = await self.http.get(
                f"{self.base_url}/v1/reports/renewals",
                headers={"authorization": f"Bearer {credential}"},
            )
        except httpx.HTTPError as error:
            raise ApiRefused(
                503, f"{self.base_url} did not answer ({type(error).__name__})"
            ) from None
        if response.status_code == 401:
            raise SignedOut()
        if response.status_code >= 400:
            raise ApiRefused(response.status_code, f"HTTP {response.status_code}")
        return response.text
