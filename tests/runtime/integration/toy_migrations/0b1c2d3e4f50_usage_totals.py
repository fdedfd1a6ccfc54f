"""The toy service's table."""

import sqlalchemy as sa
from alembic import op

revision = "0b1c2d3e4f50"
down_revision = None
branch_labels = ("toy",)
depends_on = "ecce3a260708"


def upgrade() -> None:
    op.create_table(
        "usage_totals",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("total", sa.Float(), server_default="0", nullable=False),
        sa.Column("events", sa.Integer(), server_default="0", nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("name_version", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("account_id"),
    )
