"""Event-time history: the facts of any past instant, the replay queue, judged_at,
contact names

- account_events: every CRM and support event health reads, as it came;
- usage_users_daily: the users seen per account and day;
- history_queue: accounts whose score history is recomputed from a day on;
- accounts.late_usage_at becomes late_at (any late event holds the rules, not only usage);
- account_health.judged_at: the latest instant the rules judged;
- contact_names: who a contact is, from the newest event that names them;
- subscriptions.currency, from the newest upsert.

Existing accounts get no past facts: their history is recomputed from the events that
arrive from now on.

Revision ID: 5c1e7a9d2b60
Revises: 098918ee5f3a
Create Date: 2026-12-04 19:00:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "5c1e7a9d2b60"
down_revision = "098918ee5f3a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_events",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "occurred_at", "event_id"),
    )
    op.create_table(
        "usage_users_daily",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("users", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "day"),
    )
    op.create_table(
        "history_queue",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("from_day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("account_id"),
    )
    op.alter_column("accounts", "late_usage_at", new_column_name="late_at")
    op.execute("ALTER INDEX accounts_late_usage RENAME TO accounts_late")
    op.add_column("account_health", sa.Column("judged_at", sa.DateTime(timezone=True)))
    op.create_table(
        "contact_names",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("contact_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text()),
        sa.Column("email", sa.Text()),
        sa.Column("version_at", sa.DateTime(timezone=True)),
        sa.Column("version_id", sa.Uuid()),
        sa.PrimaryKeyConstraint("account_id", "contact_id"),
    )
    op.add_column("subscriptions", sa.Column("currency", sa.Text()))
