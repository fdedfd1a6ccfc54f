"""provisional health scores

A score health computed while the account's history was still arriving: renewals show it
but hold their at-risk verdict while it is the account's newest.

Revision ID: d7f3b1a9c2e4
Revises: c5e8a1d4f702
Create Date: 2026-12-06 03:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "d7f3b1a9c2e4"
down_revision = "c5e8a1d4f702"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "health_scores",
        sa.Column("provisional", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
