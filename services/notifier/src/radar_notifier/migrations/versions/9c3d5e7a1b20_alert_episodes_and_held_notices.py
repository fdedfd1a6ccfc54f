"""alert episodes and held notices

`episodes`: every raise of every alert by event time, with when it was first told,
acknowledged and snoozed. `pending_notifications.hold_until`: notices of history being
loaded wait until it settles. Episodes before this revision are not backfilled.

Revision ID: 9c3d5e7a1b20
Revises: 6b1e0c4f9a27
Create Date: 2026-12-08 14:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "9c3d5e7a1b20"
down_revision = "6b1e0c4f9a27"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "pending_notifications",
        sa.Column("hold_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "episodes",
        sa.Column("dedup_key", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("alert_id", sa.Text(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("subscription_id", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("snoozed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("dedup_key", "raised_at"),
    )
    op.create_index("episodes_rule_raised", "episodes", ["rule", "raised_at"])
