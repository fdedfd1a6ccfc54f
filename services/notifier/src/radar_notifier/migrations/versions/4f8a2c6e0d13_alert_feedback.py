""" "not useful" verdicts on alerts

Revision ID: 4f8a2c6e0d13
Revises: 9c3d5e7a1b20
Create Date: 2026-12-09 09:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "4f8a2c6e0d13"
down_revision = "9c3d5e7a1b20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("dedup_key", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alert_id", sa.Text(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("by_subject", sa.Text(), nullable=False),
        sa.Column("by_name", sa.Text(), nullable=False),
        sa.Column("by_email", sa.Text(), nullable=True),
        sa.Column("via", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedup_key", "raised_at", "by_subject", name="feedback_one_per_person"),
    )
    op.create_index("feedback_rule", "feedback", ["rule", "raised_at"])
