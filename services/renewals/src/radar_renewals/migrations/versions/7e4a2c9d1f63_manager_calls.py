"""manager calls and the model's category

A manager's forecast call per renewal is its own fact: `manager_calls` keeps every call
with who made it, `current_calls` the newest per renewal for the forecast to join.
`terms.model_category` is the model's p_renew as a call category; existing open terms
get it at their next evaluation (the column changes their content hash).

Revision ID: 7e4a2c9d1f63
Revises: 3c9d1e7a5b20
Create Date: 2026-12-04 19:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "7e4a2c9d1f63"
down_revision = "3c9d1e7a5b20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("terms", sa.Column("model_category", sa.Text()))
    op.create_table(
        "manager_calls",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("subscription_id", sa.Text(), nullable=False),
        sa.Column("renewal_date", sa.Date(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("next_step", sa.Text(), nullable=False),
        sa.Column("next_step_date", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by_subject", sa.Text(), nullable=False),
        sa.Column("by_name", sa.Text(), nullable=False),
        sa.Column("by_email", sa.Text()),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "manager_calls_renewal", "manager_calls", ["subscription_id", "renewal_date", "id"]
    )
    op.create_table(
        "current_calls",
        sa.Column("subscription_id", sa.Text(), nullable=False),
        sa.Column("renewal_date", sa.Date(), nullable=False),
        sa.Column("call_id", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id", "renewal_date"),
    )
