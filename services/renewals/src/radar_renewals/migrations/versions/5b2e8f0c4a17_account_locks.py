"""account locks

Refreshes lock the accounts they re-derive with row locks on this table, in place of
advisory locks on 32 stripes of subscription ids: a large batch took every stripe, so
two replicas could never re-derive at the same time.

Revision ID: 5b2e8f0c4a17
Revises: 100557968cfb
Create Date: 2026-12-03 11:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "5b2e8f0c4a17"
down_revision = "100557968cfb"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_locks",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("account_id"),
    )
