"""terms by account

The console asks for an account's terms (`GET /v1/renewals?account=`) on every book and
account page; without an index that is a scan of every term. account_id never changes
on a term, so rewrites stay HOT: the index costs only when a term is first written.

Revision ID: a4c7e2b9d310
Revises: 981f388ef0e5
Create Date: 2026-12-05 07:05:00.000000
"""

from alembic import op

revision = "a4c7e2b9d310"
down_revision = "981f388ef0e5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("terms_account", "terms", ["account_id"], if_not_exists=True)
