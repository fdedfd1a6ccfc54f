"""renewals tables

The branch's first revision. IF NOT EXISTS throughout: a schema whose tables were
created at start, before there were migrations, takes this revision as it is.

Revision ID: 18d753ab9737
Revises:
Create Date: 2026-11-22 13:36:25.150414
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "18d753ab9737"
down_revision = None
branch_labels = ("renewals",)
depends_on = "ecce3a260708"


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("segment", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("owner_email", sa.Text(), nullable=False),
        sa.Column("owner", postgresql.JSONB(), nullable=False),
        sa.Column("manager", postgresql.JSONB(), nullable=True),
        sa.Column("version", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("account_id"),
        if_not_exists=True,
    )
    op.create_table(
        "active_alerts",
        sa.Column("dedup_key", sa.Text(), nullable=False),
        sa.Column("subscription_id", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alert", postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("dedup_key"),
        if_not_exists=True,
    )
    op.create_index(
        "active_alerts_subscription", "active_alerts", ["subscription_id"], if_not_exists=True
    )
    op.create_table(
        "bookings",
        sa.Column("subscription_id", sa.Text(), nullable=False),
        sa.Column("new_end_date", sa.Date(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("booked_at", sa.Date(), nullable=False),
        sa.Column("new_arr", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id", "new_end_date"),
        if_not_exists=True,
    )
    op.create_table(
        "cancellations",
        sa.Column("subscription_id", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id"),
        if_not_exists=True,
    )
    op.create_table(
        "contact_changes",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("contact_id", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("change", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "contact_id", "version"),
        if_not_exists=True,
    )
    op.create_table(
        "escalation_events",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("dedup_key", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "dedup_key", "version"),
        if_not_exists=True,
    )
    op.create_table(
        "health_scores",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("band", sa.Text(), nullable=False),
        sa.Column("score_30d_ago", sa.Float(), nullable=True),
        sa.Column("utilisation", sa.Float(), nullable=True),
        sa.Column("version", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "day"),
        if_not_exists=True,
    )
    op.create_table(
        "opportunity_edits",
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("subscription_id", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("forecast_category", sa.Text(), nullable=False),
        sa.Column("close_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("opportunity_id", "version"),
        if_not_exists=True,
    )
    op.create_index(
        "opportunity_edits_subscription",
        "opportunity_edits",
        ["subscription_id"],
        if_not_exists=True,
    )
    op.create_table(
        "state_changes",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("subscription_id", sa.Text(), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("previous_state", sa.Text(), nullable=True),
        sa.Column("risk_score", sa.Float(), nullable=False),
        sa.Column("risk_band", sa.Text(), nullable=False),
        sa.Column("previous_risk_band", sa.Text(), nullable=True),
        sa.Column("p_renew", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        "state_changes_subscription", "state_changes", ["subscription_id", "id"], if_not_exists=True
    )
    op.create_table(
        "subscription_facts",
        sa.Column("subscription_id", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("arr", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("auto_renew", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id", "start_date"),
        if_not_exists=True,
    )
    op.create_index(
        "subscription_facts_account", "subscription_facts", ["account_id"], if_not_exists=True
    )
    op.create_table(
        "terms",
        sa.Column("subscription_id", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("renewal_month", sa.Date(), nullable=False),
        sa.Column("renewal_quarter", sa.Date(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("is_renewed", sa.Boolean(), nullable=False),
        sa.Column("is_churned", sa.Boolean(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("arr", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("auto_renew", sa.Boolean(), nullable=False),
        sa.Column("booked_at", sa.Date(), nullable=True),
        sa.Column("new_arr", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("new_end_date", sa.Date(), nullable=True),
        sa.Column("cancelled_effective", sa.Date(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("opportunity_stage", sa.Text(), nullable=True),
        sa.Column("forecast_category", sa.Text(), nullable=True),
        sa.Column("opportunity_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("opportunity_close_date", sa.Date(), nullable=True),
        sa.Column("account_name", sa.Text(), nullable=True),
        sa.Column("segment", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("health_score", sa.Float(), nullable=True),
        sa.Column("health_band", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("timing", sa.Text(), nullable=True),
        sa.Column("risk_score", sa.Float(), nullable=False),
        sa.Column("risk_band", sa.Text(), nullable=False),
        sa.Column("p_renew", sa.Float(), nullable=False),
        sa.Column("expected_arr", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("category_arr", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id", "start_date"),
        if_not_exists=True,
    )
    op.create_index("terms_end_date", "terms", ["end_date"], if_not_exists=True)
