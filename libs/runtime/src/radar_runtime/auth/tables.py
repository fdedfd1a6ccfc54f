"""The tables of access control: API tokens (in the shared auth schema) and the audit
log (in every service's schema, and in the auth schema for token changes)."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    MetaData,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB

auth_metadata = MetaData()

api_tokens = Table(
    "api_tokens",
    auth_metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("role", Text, nullable=False),
    Column("email", Text),
    Column("scope", ARRAY(Text), nullable=False, server_default="{}"),
    # Only the SHA-256 of the token is kept; the token itself is shown once.
    Column("token_sha256", Text, nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", Text),
    Column("last_used_at", DateTime(timezone=True)),
)


def audit_table(metadata: MetaData) -> Table:
    """Who changed what, when, from what to what: written in the transaction of the
    change, never updated or deleted by any API."""
    return Table(
        "audit_log",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("actor_subject", Text, nullable=False),
        Column("actor_name", Text, nullable=False),
        Column("actor_email", Text),
        Column("actor_role", Text, nullable=False),
        Column("via", Text, nullable=False),
        Column("action", Text, nullable=False),
        Column("target_type", Text, nullable=False),
        Column("target_id", Text, nullable=False),
        Column("before", JSONB),
        Column("after", JSONB),
        Column("request_id", Text),
        Index("audit_log_target", "target_type", "target_id", "id"),
    )


auth_audit_log = audit_table(auth_metadata)
