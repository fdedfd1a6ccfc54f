"""account_health.emitted_escalations

The open escalations the last health.scored announced: health.scored is emitted again
when the count changes. NULL for existing rows, so each scored account's next recompute
announces its count once.

Revision ID: 098918ee5f3a
Revises: 3b7d2f0c9a41
Create Date: 2026-12-04 18:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "098918ee5f3a"
down_revision = "3b7d2f0c9a41"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("account_health", sa.Column("emitted_escalations", sa.Integer(), nullable=True))
