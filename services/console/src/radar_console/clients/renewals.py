"""The renewals service: subscription terms, risk and p_renew."""

from __future__ import annotations

from typing import Any

from .base import ApiClient


class RenewalsClient(ApiClient):
    async def renewals(self, credential: str, **filters: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.get("/v1/renewals", credential, **filters)
        return result

    async def renewal(self, credential: str, subscription_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.get(f"/v1/renewals/{subscription_id}", credential)
        return result
