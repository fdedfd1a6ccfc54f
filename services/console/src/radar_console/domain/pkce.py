"""The authorization-code flow's PKCE pair and random values (RFC 7636)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def unverified_claims(jwt: str) -> dict[str, Any]:
    """An ID token's claims, read without checking the signature: only for the nonce,
    after the services have checked the token itself."""
    try:
        payload = jwt.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}
