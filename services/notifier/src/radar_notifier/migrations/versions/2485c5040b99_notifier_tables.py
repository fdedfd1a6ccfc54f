"""notifier tables

The branch's first revision. IF NOT EXISTS throughout: a schema whose tables were
created at start, before there were migrations, takes this revision as it is.

Revision ID: 2485c5040b99
Revises:
Create Date: 2026-11-22 13:36:30.332870
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "2485c5040b99"
down_revision = None
branch_labels = ("notifier",)
depends_on = "ecce3a260708"


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("dedup_key", sa.Text(), nullable=False),
        sa.Column("alert_id", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("owner_email", sa.Text(), nullable=True),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("first_raised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_raised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_notified_at", postgresql.JSONB(), nullable=False),
        sa.Column("resolved_notified", postgresql.JSONB(), nullable=False),
        sa.Column("acked_by", sa.Text(), nullable=True),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("view", postgresql.JSONB(), nullable=False),
        sa.Column("recipients", postgresql.JSONB(), nullable=False),
        sa.Column("matched_routes", postgresql.JSONB(), nullable=False),
        sa.Column("skipped_recipients", postgresql.JSONB(), nullable=False),
        sa.Column("inhibited_by", sa.Text(), nullable=True),
        sa.Column("recheck_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("dedup_key"),
        if_not_exists=True,
    )
    op.create_index("alerts_account", "alerts", ["account_id", "status"], if_not_exists=True)
    op.create_index("alerts_alert_id", "alerts", ["alert_id"], if_not_exists=True)
    op.create_index(
        "alerts_inhibited_by",
        "alerts",
        ["inhibited_by"],
        postgresql_where=sa.text("inhibited_by IS NOT NULL"),
        if_not_exists=True,
    )
    op.create_index("alerts_owner", "alerts", ["owner_email"], if_not_exists=True)
    op.create_index(
        "alerts_recheck",
        "alerts",
        ["recheck_at"],
        postgresql_where=sa.text("status = 'raised'"),
        if_not_exists=True,
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("recipient_key", sa.Text(), nullable=False),
        sa.Column("route", sa.Text(), nullable=False),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("alert_ids", postgresql.JSONB(), nullable=False),
        sa.Column("dedup_keys", postgresql.JSONB(), nullable=False),
        sa.Column("first_occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
        if_not_exists=True,
    )
    op.create_index(
        "deliveries_due",
        "deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
        if_not_exists=True,
    )
    op.create_index("deliveries_status", "deliveries", ["status", "id"], if_not_exists=True)
    op.create_table(
        "pending_notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("recipient_key", sa.Text(), nullable=False),
        sa.Column("recipient_kind", sa.Text(), nullable=False),
        sa.Column("recipient_address", sa.Text(), nullable=False),
        sa.Column("route", sa.Text(), nullable=False),
        sa.Column("dedup_key", sa.Text(), nullable=False),
        sa.Column("notice", sa.Text(), nullable=False),
        sa.Column("alert", postgresql.JSONB(), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("previous_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("delivery_key", sa.Text(), nullable=True),
        sa.Column("drop_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        "pending_waiting",
        "pending_notifications",
        ["recipient_key", "enqueued_at"],
        postgresql_where=sa.text("status = 'waiting'"),
        if_not_exists=True,
    )
    op.create_table(
        "recipient_groups",
        sa.Column("recipient_key", sa.Text(), nullable=False),
        sa.Column("last_flush_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("recipient_key"),
        if_not_exists=True,
    )
