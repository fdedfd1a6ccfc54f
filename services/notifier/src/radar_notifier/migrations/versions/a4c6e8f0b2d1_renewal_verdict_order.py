"""renewal terms ordered by when renewals reached each verdict

`renewal.state_changed` says when renewals evaluated it (`evaluated_at`): a term's
newest verdict wins by that, since while a history loads a fact from long ago can
arrive after a verdict stamped today. Rows from before keep ordering by state_at.

Revision ID: a4c6e8f0b2d1
Revises: 3b7c9e1d5f64
Create Date: 2026-12-06 04:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "a4c6e8f0b2d1"
down_revision = "3b7c9e1d5f64"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "renewal_terms", sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=True)
    )
