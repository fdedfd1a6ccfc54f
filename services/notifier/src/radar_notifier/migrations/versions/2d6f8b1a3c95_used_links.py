"""used_links: email action links already used, each works once

Revision ID: 2d6f8b1a3c95
Revises: 7e2b9d4c6a51
Create Date: 2026-12-10 10:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "2d6f8b1a3c95"
down_revision = "7e2b9d4c6a51"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "used_links",
        sa.Column("token_sha256", sa.Text(), nullable=False),
        sa.Column("alert_id", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_sha256"),
    )
