"""Roles, the signed-in principal, and what a principal may do: pure rules.

Every service applies the same rules: reads need any role; commands on an account
(override its health, ack or snooze its alerts, call its renewal) need the right to
act on that account, which depends on the role and the access rules' scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Role(StrEnum):
    VIEWER = "viewer"
    CSM = "csm"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_RANKS = {Role.VIEWER: 0, Role.CSM: 1, Role.MANAGER: 2, Role.ADMIN: 3}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as the credential says: never from a request body."""

    subject: str  # the IdP's `sub`, or `token:<name>` for an API token
    name: str
    email: str | None
    role: Role
    via: Literal["oidc", "token", "cli", "slack", "email"]
    scope: frozenset[str] = frozenset()  # regions or segments a manager acts on

    @property
    def label(self) -> str:
        """How messages and the audit log name them: "Dana Reyes <dana@example.com>"."""
        return (
            f"{self.name} <{self.email}>" if self.email and self.email != self.name else self.name
        )


@dataclass(frozen=True, slots=True)
class Owned:
    """What a command acts on, as the service holding it knows it."""

    owner_email: str | None = None
    manager_email: str | None = None
    segment: str | None = None
    region: str | None = None


class CsmRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    acts_on: Literal["own", "all"]


class ManagerRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    acts_on: Literal["team", "region", "segment", "all"]
    scope_claim: str = Field(min_length=1)


class OidcRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    roles_claim: str = Field(min_length=1)
    name_claim: str = Field(min_length=1)
    email_claim: str = Field(min_length=1)
    roles: dict[str, Role]

    def role_of(self, claims: dict[str, object]) -> Role | None:
        """The highest role the claims' groups map to, or None."""
        value = claims.get(self.roles_claim)
        groups = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        granted = [self.roles[g] for g in groups if isinstance(g, str) and g in self.roles]
        return max(granted, key=lambda role: role.rank) if granted else None


class AccessRules(BaseModel):
    """The access rule file (`radar_runtime/auth/defaults.toml` documents it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: Literal[1]
    oidc: OidcRules
    csm: CsmRules
    manager: ManagerRules


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip().lower() == b.strip().lower()


def may_act_on(principal: Principal, owned: Owned, rules: AccessRules) -> bool:
    """Whether `principal` may change what belongs to `owned`."""
    role = principal.role
    if role is Role.ADMIN:
        return True
    if role is Role.CSM:
        return rules.csm.acts_on == "all" or _same(principal.email, owned.owner_email)
    if role is Role.MANAGER:
        scope = rules.manager.acts_on
        if scope == "all":
            return True
        if scope == "team":
            return _same(principal.email, owned.manager_email) or _same(
                principal.email, owned.owner_email
            )
        value = owned.region if scope == "region" else owned.segment
        return value is not None and value in principal.scope
    return False
