"""Access control of one service process: who is calling, and may they do this.

Two kinds of credentials, both as `Authorization: Bearer <credential>`:
- an OpenID Connect token from the configured issuer (the role from its groups claim);
- an API token from `radar-tokens` (its role and person from the registry).
"""

from __future__ import annotations

from ..clock import Clock
from ..db import Database
from ..errors import ApiError
from ..rules import load_rules
from ..settings import RuntimeSettings
from .oidc import InvalidToken, IssuerUnavailable, OidcVerifier
from .registry import TokenRegistry
from .roles import AccessRules, Owned, Principal, Role, may_act_on
from .tokens import looks_like_token

REALM = "renewal-radar"


def load_access_rules(settings: RuntimeSettings) -> AccessRules:
    return load_rules(AccessRules, "radar_runtime.auth", settings.access_rules_path)


def unauthenticated(reason: str, *, token_given: bool) -> ApiError:
    challenge = f'Bearer realm="{REALM}"'
    if token_given:
        challenge += f', error="invalid_token", error_description="{reason}"'
    return ApiError(401, "unauthenticated", reason, headers={"WWW-Authenticate": challenge})


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


class Access:
    def __init__(
        self, settings: RuntimeSettings, clock: Clock, rules: AccessRules | None = None
    ) -> None:
        self.rules = rules or load_access_rules(settings)
        self._clock = clock
        self.oidc = (
            OidcVerifier(
                settings.oidc_issuer,
                settings.oidc_audience,
                algorithms=settings.oidc_algorithms,
                now=lambda: clock.now().timestamp(),
                leeway_seconds=settings.oidc_leeway_seconds,
                refresh_seconds=settings.oidc_jwks_refresh_seconds,
            )
            if settings.oidc_issuer
            else None
        )
        self.tokens = TokenRegistry(
            Database(
                settings.auth_database_url or settings.database_url,
                settings.auth_schema,
                pool_size=2,
            ),
            clock,
        )

    async def authenticate(self, credential: str | None) -> Principal:
        """The caller named by `credential`; a 401 for none or a bad one."""
        if not credential:
            raise unauthenticated("a bearer credential is required", token_given=False)
        if looks_like_token(credential):
            return await self._api_token(credential)
        if self.oidc is None:
            raise unauthenticated(
                "not an API token (no OpenID issuer is configured)", token_given=True
            )
        try:
            claims = await self.oidc.verify(credential)
        except InvalidToken as error:
            raise unauthenticated(str(error), token_given=True) from None
        except IssuerUnavailable as error:
            raise ApiError(
                503, "issuer_unavailable", str(error), headers={"Retry-After": "5"}
            ) from None
        return self._oidc_principal(claims)

    async def _api_token(self, credential: str) -> Principal:
        try:
            record = await self.tokens.lookup(credential)
        except Exception:
            raise ApiError(
                503, "unavailable", "cannot check the token now", headers={"Retry-After": "2"}
            ) from None
        if record is None:
            raise unauthenticated("unknown token", token_given=True)
        refusal = record.refusal(self._clock.now())
        if refusal:
            raise unauthenticated(refusal, token_given=True)
        return record.principal()

    def _oidc_principal(self, claims: dict[str, object]) -> Principal:
        rules = self.rules.oidc
        role = rules.role_of(claims)
        if role is None:
            raise forbidden(f"no Renewal Radar role in the token's {rules.roles_claim!r} claim")
        subject = str(claims["sub"])
        email = claims.get(rules.email_claim)
        name = claims.get(rules.name_claim)
        scope = claims.get(self.rules.manager.scope_claim)
        return Principal(
            subject=subject,
            name=str(name or email or subject),
            email=str(email) if email else None,
            role=role,
            via="oidc",
            scope=frozenset(
                [scope] if isinstance(scope, str) else scope if isinstance(scope, list) else []
            ),
        )

    @staticmethod
    def require(caller: Principal, role: Role) -> Principal:
        if not caller.role.at_least(role):
            raise forbidden(f"this needs the {role.value} role; you have {caller.role.value}")
        return caller

    def ensure_may_act_on(self, caller: Principal, owned: Owned, what: str) -> None:
        """A 403 unless `caller` may change `what` (e.g. "account acme")."""
        if not may_act_on(caller, owned, self.rules):
            raise forbidden(f"{caller.label} ({caller.role.value}) may not change {what}")

    async def close(self) -> None:
        if self.oidc is not None:
            await self.oidc.close()
        await self.tokens.close()
