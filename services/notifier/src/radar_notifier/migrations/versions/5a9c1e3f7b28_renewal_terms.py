"""renewal_terms: each renewal term's state from renewal.state_changed, for the rule
quality report's outcomes

Revision ID: 5a9c1e3f7b28
Revises: 2d6f8b1a3c95
Create Date: 2026-12-10 16:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "5a9c1e3f7b28"
down_revision = "2d6f8b1a3c95"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "renewal_terms",
        sa.Column("subscription_id", sa.Text(), nullable=False),
        sa.Column("renewal_date", sa.Date(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("arr", sa.Float(), nullable=False),
        sa.Column("state_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("subscription_id", "renewal_date"),
    )
    op.create_index("renewal_terms_account", "renewal_terms", ["account_id"])
