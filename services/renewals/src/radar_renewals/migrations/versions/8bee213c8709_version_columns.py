"""fact versions in two columns

A fact row's version was one text, "<occurred_at, UTC, microseconds>Z|<event id>",
sorting like (occurred_at, event_id). It becomes the two columns every projection
uses (`radar_runtime.versions`): `version_at` timestamptz and `version_id` uuid,
converted from the text for the rows already stored. Where the version was part of
the primary key (the histories), the two columns take its place.

Revision ID: 8bee213c8709
Revises: 5b2e8f0c4a17
Create Date: 2026-12-04 17:03:33.000000
"""

from alembic import op

revision = "8bee213c8709"
down_revision = "5b2e8f0c4a17"
branch_labels = None
depends_on = None

# Each fact table, and its primary key when the version is part of it.
TABLES: dict[str, tuple[str, ...] | None] = {
    "accounts": None,
    "subscription_facts": None,
    "bookings": None,
    "cancellations": None,
    "health_scores": None,
    "opportunity_edits": ("opportunity_id", "version_at", "version_id"),
    "contact_changes": ("account_id", "contact_id", "version_at", "version_id"),
    "escalation_events": ("account_id", "dedup_key", "version_at", "version_id"),
}


def upgrade() -> None:
    for table, key in TABLES.items():
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN version_at timestamptz, ADD COLUMN version_id uuid"
        )
        op.execute(
            f"UPDATE {table} SET version_at = split_part(version, '|', 1)::timestamptz, "
            "version_id = split_part(version, '|', 2)::uuid"
        )
        op.execute(
            f"ALTER TABLE {table} ALTER COLUMN version_at SET NOT NULL, "
            "ALTER COLUMN version_id SET NOT NULL"
        )
        if key is not None:
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey")
            op.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({', '.join(key)})")
        op.execute(f"ALTER TABLE {table} DROP COLUMN version")
