"""deliveries.interrupted

Attempts whose outcome was never recorded: a delivery is marked `sending` before its
message goes out, and one still `sending` after its sender stopped is counted here.

Revision ID: 6b1e0c4f9a27
Revises: 2485c5040b99
Create Date: 2026-12-08 10:12:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "6b1e0c4f9a27"
down_revision = "2485c5040b99"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "deliveries", sa.Column("interrupted", sa.Integer(), server_default="0", nullable=False)
    )
