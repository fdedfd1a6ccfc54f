"""API tokens for automation and scripts: made by `radar-tokens`, shown once, kept as a
SHA-256 hash with a name, a role, an optional person (email) and expiry, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from .roles import Principal, Role

PREFIX = "rrt_"


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(credential: str) -> bool:
    """API tokens and JWTs are told apart by shape: a JWT has three dot-separated parts."""
    return credential.startswith(PREFIX)


@dataclass(frozen=True, slots=True)
class TokenRecord:
    name: str
    role: Role
    email: str | None
    scope: frozenset[str]
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def refusal(self, now: datetime) -> str | None:
        """Why the token cannot be used at `now`, or None."""
        if self.revoked_at is not None:
            return "token revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "token expired"
        return None

    def principal(self) -> Principal:
        return Principal(
            subject=f"token:{self.name}",
            name=self.name,
            email=self.email,
            role=self.role,
            via="token",
            scope=self.scope,
        )
