"""slack_requests: the signatures of Slack interactions received, against replays

Revision ID: 7e2b9d4c6a51
Revises: 4f8a2c6e0d13
Create Date: 2026-12-09 15:05:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "7e2b9d4c6a51"
down_revision = "4f8a2c6e0d13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_requests",
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("signature"),
    )
