"""history held by one watermark, not a time per notice

A notice of history being loaded is `held` while late alert events keep arriving;
`history_arrivals` keeps when the last one did, so each such batch writes one row
instead of moving every held notice's `hold_until`.

Revision ID: 3b7c9e1d5f64
Revises: 8d4e6f2a0c37
Create Date: 2026-12-11 16:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "3b7c9e1d5f64"
down_revision = "8d4e6f2a0c37"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "pending_notifications",
        sa.Column("held", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.execute("UPDATE pending_notifications SET held = true WHERE hold_until IS NOT NULL")
    op.drop_column("pending_notifications", "hold_until")
    op.create_table(
        "history_arrivals",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
