"""OpenID Connect bearer tokens: signature against the issuer's JWKS, then the claims.

The issuer's discovery document names its JWKS; the key set is cached and fetched
again when a token names a key id it does not hold (the issuer rotated its keys), at
most once per `refresh_seconds` so unknown ids cannot make us hammer the issuer.
Only the asymmetric algorithms configured are accepted: never `none`, never an HMAC
"signed" with a public key. JOSE is joserfc's; nothing here parses a JWT by hand.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class InvalidToken(Exception):
    """A bearer token that is not acceptable; the message says why (for the 401)."""


def check_algorithms(algorithms: Sequence[str]) -> tuple[str, ...]:
    refused = [alg for alg in algorithms if alg not in ASYMMETRIC]
    if refused or not algorithms:
        raise ValueError(
            f"OIDC algorithms must be asymmetric ({', '.join(sorted(ASYMMETRIC))}); "
            f"refused: {', '.join(refused) or 'an empty list'}"
        )
    return tuple(algorithms)


class OidcVerifier:
    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        algorithms: Sequence[str],
        now: Callable[[], float],
        leeway_seconds: int = 60,
        refresh_seconds: float = 30.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self._algorithms = check_algorithms(algorithms)
        self._now = now
        self._leeway = leeway_seconds
        self._refresh_seconds = refresh_seconds
        self._http = http or httpx.AsyncClient(timeout=5.0)
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, once its signature, issuer, audience and times check out."""
        try:
            header = jws.extract_compact(token.encode()).headers()
        except (JoseError, ValueError) as error:
            raise InvalidToken("malformed token") from error
        if header.get("alg") not in self._algorithms:
            raise InvalidToken(f"algorithm {header.get('alg')!r} is not accepted")
        kid = header.get("kid")
        try:
            claims = self._decode(token, await self._key_set(kid))
        except InvalidToken:
            # A provider that rotates keys without naming them (no `kid`) shows up as a
            # bad signature: fetch its keys again (rate-limited) and try once more.
            fresh = await self._refreshed_keys()
            if fresh is None:
                raise
            claims = self._decode(token, fresh)
        self._check_claims(claims)
        return claims

    def _check_claims(self, claims: dict[str, Any]) -> None:
        now = int(self._now())
        if claims.get("iss") != self.issuer:
            raise InvalidToken("wrong issuer")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.audience not in audiences:
            raise InvalidToken("wrong audience")
        exp = claims.get("exp")
        if not isinstance(exp, int | float):
            raise InvalidToken("no expiry")
        if exp <= now - self._leeway:
            raise InvalidToken("expired")
        for name in ("nbf", "iat"):
            value = claims.get(name)
            if value is not None and (
                not isinstance(value, int | float) or value > now + self._leeway
            ):
                raise InvalidToken("not yet valid")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise InvalidToken("no subject")

    def _decode(self, token: str, keys: KeySet) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, keys, algorithms=list(self._algorithms)
            ).claims
        except (JoseError, ValueError) as error:
            raise InvalidToken("bad signature") from error
        return claims

    async def _key_set(self, kid: object) -> KeySet:
        """The cached keys when they hold `kid` (or no kid is named), else fetched again."""
        keys = self._keys
        if keys is not None and (kid is None or _holds(keys, kid)):
            return keys
        fresh = await self._refreshed_keys()
        keys = fresh or self._keys
        if keys is None or (kid is not None and not _holds(keys, kid)):
            raise InvalidToken("unknown signing key")
        return keys

    async def _refreshed_keys(self) -> KeySet | None:
        """The issuer's keys fetched now, or None when they were fetched too recently."""
        async with self._lock:
            if time.monotonic() - self._fetched_at < self._refresh_seconds:
                return None
            self._fetched_at = time.monotonic()
            self._keys = await self._fetch_keys()
            return self._keys

    async def _fetch_keys(self) -> KeySet:
        try:
            discovery = await self._get_json(f"{self.issuer}/.well-known/openid-configuration")
            if discovery.get("issuer", "").rstrip("/") != self.issuer:
                raise InvalidToken("the issuer's discovery document names another issuer")
            jwks: Any = await self._get_json(discovery["jwks_uri"])
            return KeySet.import_key_set(jwks)
        except (httpx.HTTPError, KeyError, ValueError, JoseError) as error:
            raise IssuerUnavailable(f"cannot fetch the issuer's keys: {error}") from error

    async def _get_json(self, url: str) -> dict[str, Any]:
        response = await self._http.get(url)
        response.raise_for_status()
        body = response.json()
        if not isinstance(body, dict):
            raise ValueError(f"{url} did not answer a JSON object")
        return body

    async def close(self) -> None:
        await self._http.aclose()


class IssuerUnavailable(Exception):
    """The issuer's keys could not be fetched: a 503, not the caller's fault."""


def _holds(keys: KeySet, kid: object) -> bool:
    return any(key.kid == kid for key in keys.keys)
