"""health tables

The branch's first revision. IF NOT EXISTS throughout: a schema whose tables were
created at start, before there were migrations, takes this revision as it is.

Revision ID: eca59f3c8665
Revises:
Create Date: 2026-11-22 13:36:20.261012
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "eca59f3c8665"
down_revision = None
branch_labels = ("health",)
depends_on = "ecce3a260708"


def upgrade() -> None:
    op.create_table(
        "account_health",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("band", sa.Text(), nullable=True),
        sa.Column("scorecard", sa.Text(), nullable=True),
        sa.Column("components", postgresql.JSONB(), nullable=True),
        sa.Column("missing", postgresql.JSONB(), nullable=True),
        sa.Column("emitted_score", sa.Float(), nullable=True),
        sa.Column("emitted_band", sa.Text(), nullable=True),
        sa.Column("emitted_override", sa.Text(), nullable=True),
        sa.Column("emitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("account_id"),
        if_not_exists=True,
    )
    op.create_table(
        "account_users",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("last_seen", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "user_id"),
        if_not_exists=True,
    )
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("segment", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("industry", sa.Text(), nullable=True),
        sa.Column("owner", postgresql.JSONB(), nullable=True),
        sa.Column("owner_email", sa.Text(), nullable=True),
        sa.Column("manager", postgresql.JSONB(), nullable=True),
        sa.Column("version_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version_id", sa.Uuid(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_engagement_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tickets_seen", sa.Boolean(), server_default="false", nullable=False),
        sa.PrimaryKeyConstraint("account_id"),
        if_not_exists=True,
    )
    op.create_index("accounts_owner_email", "accounts", ["owner_email"], if_not_exists=True)
    op.create_index("accounts_segment", "accounts", ["segment"], if_not_exists=True)
    op.create_table(
        "contacts",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("contact_id", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("version_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("account_id", "contact_id"),
        if_not_exists=True,
    )
    op.create_table(
        "csat_responses",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("ticket_id", sa.Text(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
        if_not_exists=True,
    )
    op.create_index("csat_account_at", "csat_responses", ["account_id", "at"], if_not_exists=True)
    op.create_table(
        "health_overrides",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("band", sa.Text(), nullable=True),
        sa.Column("effective_band", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id"),
        if_not_exists=True,
    )
    op.create_table(
        "nps_responses",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("contact_id", sa.Text(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
        if_not_exists=True,
    )
    op.create_index("nps_account_at", "nps_responses", ["account_id", "at"], if_not_exists=True)
    op.create_table(
        "open_alerts",
        sa.Column("dedup_key", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("alert_id", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("dedup_key"),
        if_not_exists=True,
    )
    op.create_index("open_alerts_account", "open_alerts", ["account_id"], if_not_exists=True)
    op.create_table(
        "recompute_queue",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("account_id"),
        if_not_exists=True,
    )
    op.create_table(
        "score_history",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("band", sa.Text(), nullable=False),
        sa.Column("effective_score", sa.Float(), nullable=True),
        sa.Column("effective_band", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("account_id", "at"),
        if_not_exists=True,
    )
    op.create_table(
        "subscriptions",
        sa.Column("subscription_id", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("seats_version_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seats_version_id", sa.Uuid(), nullable=True),
        sa.Column("arr", sa.Float(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("term_version_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("term_version_id", sa.Uuid(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("subscription_id"),
        if_not_exists=True,
    )
    op.create_index("subscriptions_account", "subscriptions", ["account_id"], if_not_exists=True)
    op.create_table(
        "tickets",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("ticket_id", sa.Text(), nullable=False),
        sa.Column("priority", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("account_id", "ticket_id"),
        if_not_exists=True,
    )
    op.create_index(
        "tickets_open",
        "tickets",
        ["account_id"],
        postgresql_where=sa.text("is_open"),
        if_not_exists=True,
    )
    op.create_table(
        "usage_daily",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("metric", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("total", sa.Numeric(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "metric", "day"),
        if_not_exists=True,
    )
