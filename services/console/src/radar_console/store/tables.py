"""The console's tables (no customer data), declared without a schema: the runtime's
search_path picks it. The revisions in migrations/ make them.

- `sessions`: one row per signed-in browser; the cookie holds a random id whose
  SHA-256 is the key, so a leaked table does not give working cookies. `credential`
  is the person's own bearer, forwarded to the APIs so they check permissions.
- `sign_ins`: OIDC sign-ins under way (state -> PKCE verifier and nonce), used once.
- `preferences`: per-person settings (e.g. the book's last filters), by subject.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", Text, primary_key=True),
    Column("subject", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=True),
    Column("role", Text, nullable=False),
    Column("via", Text, nullable=False),
    Column("credential", Text, nullable=False),
    Column("csrf", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)

sign_ins = Table(
    "sign_ins",
    metadata,
    Column("state", Text, primary_key=True),
    Column("verifier", Text, nullable=False),
    Column("nonce", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

preferences = Table(
    "preferences",
    metadata,
    Column("subject", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("value", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
