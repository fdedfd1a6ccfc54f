"""accounts.late_usage_at

When usage for an already whole day last arrived: usage.sharp_drop holds its verdict
while late usage is still arriving. NULL for existing rows: nothing is held.

Revision ID: 3b7d2f0c9a41
Revises: eca59f3c8665
Create Date: 2026-11-22 14:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "3b7d2f0c9a41"
down_revision = "eca59f3c8665"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("late_usage_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("accounts_late_usage", "accounts", ["late_usage_at"])
