"""API keys and request signatures: pure functions over configuration and headers.

Keys are stored only as SHA-256 hex digests. A presented key is hashed and compared
with every configured digest using `hmac.compare_digest`, without stopping at a match,
so the time taken says nothing about which digest (or how much of one) matched.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from .catalog import INGEST_TYPES
from .quotas import Quota

UNLIMITED = Quota(rate=250_000.0, burst=500_000.0)

KEY_PREFIX = "rr_"
SIGNATURE_HEADER = "X-Radar-Signature"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    """A fresh API key: 256 random bits, URL-safe, recognisable by its prefix."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class ApiKey:
    source: str
    sha256: str
    allow: tuple[str, ...]
    signing_secret: bytes | None = None
    quota: Quota = UNLIMITED
    allowed_types: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Resolved once, so the per-event check is a set lookup.
        allowed = frozenset(t for t in INGEST_TYPES if t.startswith(self.allow))
        object.__setattr__(self, "allowed_types", allowed)

    def may_send(self, event_type: str) -> bool:
        return event_type in self.allowed_types


class Keyring:
    def __init__(self, keys: Sequence[ApiKey]) -> None:
        self.keys = tuple(keys)
        self._digests = tuple((key.sha256.encode(), key) for key in self.keys)

    def authenticate(self, presented: str) -> ApiKey | None:
        digest = hash_key(presented).encode()
        found: ApiKey | None = None
        for candidate, key in self._digests:
            if hmac.compare_digest(digest, candidate):
                found = key
        return found


def credentials_from(authorization: str | None, *, allow_basic: bool = False) -> str | None:
    """The API key in an `Authorization` header: `Bearer <key>`, or for Segment
    clients `Basic base64(<key>:)` (the key is the user name, the password ignored)."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if allow_basic and scheme.lower() == "basic" and value:
        try:
            user = base64.b64decode(value, validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            return None
        return user or None
    return None


class SignatureError(Exception):
    """Why a signed request was refused; the message is safe to show the sender."""


def sign(secret: bytes, body: bytes, timestamp: int) -> str:
    """The `X-Radar-Signature` value a sender computes for `body` at `timestamp`."""
    return f"t={timestamp},v1={_digest(secret, body, timestamp)}"


def verify_signature(
    header: str | None, body: bytes, secret: bytes, *, now: float, tolerance: float
) -> None:
    """Accept `t=<unix>,v1=<hex>` (several v1 entries allowed, for secret rotation)."""
    if not header:
        raise SignatureError(f"this key requires a signed request: {SIGNATURE_HEADER} missing")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        # At most 12 ASCII digits: a unix time in seconds, never a number too big to compare.
        if name == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif name == "v1" and value:
            candidates.append(value.lower())
    if timestamp is None or not candidates:
        raise SignatureError(f"{SIGNATURE_HEADER} must look like t=<unix seconds>,v1=<hex>")
    if abs(now - timestamp) > tolerance:
        raise SignatureError(
            f"signature timestamp is outside the {tolerance:.0f} s tolerance; sign with a fresh t"
        )
    expected = _digest(secret, body, timestamp).encode()
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected, candidate.encode())
    if not matched:
        raise SignatureError("signature does not match the body")


def _digest(secret: bytes, body: bytes, timestamp: int) -> str:
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
