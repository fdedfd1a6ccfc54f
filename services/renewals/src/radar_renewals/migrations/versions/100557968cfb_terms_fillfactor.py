"""terms fillfactor 70

Terms are rewritten in place on nearly every CRM fact: with room left on each page, an
update that changes no indexed column stays on its page (a HOT update) and touches no
index. Applies to pages written from now on; existing pages fill as they are rewritten.

Revision ID: 100557968cfb
Revises: 18d753ab9737
Create Date: 2026-12-03 08:45:00.000000
"""

from alembic import op

revision = "100557968cfb"
down_revision = "18d753ab9737"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE terms SET (fillfactor = 70)")
