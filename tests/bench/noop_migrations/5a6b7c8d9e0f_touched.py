"""The no-op benchmark service's table."""

import sqlalchemy as sa
from alembic import op

revision = "5a6b7c8d9e0f"
down_revision = None
branch_labels = ("noop",)
depends_on = "ecce3a260708"


def upgrade() -> None:
    op.create_table(
        "touched",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account_id"),
    )
