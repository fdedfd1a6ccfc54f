"""A service's REST API called with the signed-in person's own bearer credential, so
the service checks what they may read and change."""

from __future__ import annotations

from typing import Any

import httpx


class SignedOut(Exception):
    """The credential is no longer accepted (expired or revoked): sign in again."""


class ApiRefused(Exception):
    """The service refused the request (4xx) or failed; `message` says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ApiClient:
    def __init__(self, base_url: str, http: httpx.AsyncClient) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http

    async def call(
        self,
        method: str,
        path: str,
        credential: str,
        *,
        params: Any = None,
        json: Any = None,
    ) -> Any:
        try:
            response = await self.http.request(
                method,
                self.base_url + path,
                params=params,
                json=json,
                headers={"authorization": f"Bearer {credential}"},
            )
        except httpx.HTTPError as error:
            raise ApiRefused(
                503, f"{self.base_url} did not answer ({type(error).__name__})"
            ) from None
        if response.status_code == 401:
            raise SignedOut()
        if response.status_code >= 400:
            raise ApiRefused(response.status_code, _message(response))
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def get(self, path: str, credential: str, **params: Any) -> Any:
        shown = {key: value for key, value in params.items() if value not in (None, "")}
        return await self.call("GET", path, credential, params=shown)


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and "message" in error:
            return str(error["message"])
        if "message" in body:
            return str(body["message"])
        if "detail" in body:
            return str(body["detail"])
    return f"HTTP {response.status_code}"
