"""The notifier service: alerts, ack and snooze."""

from __future__ import annotations

from typing import Any

from .base import ApiClient


class NotifierClient(ApiClient):
    async def alerts(self, credential: str, **filters: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.get("/v1/alerts", credential, **filters)
        return result

    async def ack(self, credential: str, alert_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("POST", f"/v1/alerts/{alert_id}/ack", credential)
        return result

    async def snooze(self, credential: str, alert_id: str, until: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "POST", f"/v1/alerts/{alert_id}/snooze", credential, json={"until": until}
        )
        return result

    async def not_useful(
        self, credential: str, alert_id: str, reason: str, note: str | None
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "POST",
            f"/v1/alerts/{alert_id}/feedback",
            credential,
            json={"reason": reason, "note": note or None},
        )
        return result
