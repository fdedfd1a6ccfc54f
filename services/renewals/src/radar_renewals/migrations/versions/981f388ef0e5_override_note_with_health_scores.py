"""override note with health scores

Revision ID: 981f388ef0e5
Revises: 7e4a2c9d1f63
Create Date: 2026-12-04 20:38:09.484572
"""

import sqlalchemy as sa
from alembic import op

revision = "981f388ef0e5"
down_revision = "7e4a2c9d1f63"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("health_scores", sa.Column("override_note", sa.Text(), nullable=True))
