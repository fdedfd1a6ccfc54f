"""lengthening repeats and acknowledged alerts that get worse

`alerts.notified_count`: how many times each recipient was told of the episode (a
route's repeat schedule lengthens with it); `alerts.ack_baseline`: the measures
`[[renotify]]` watches, as they were when acknowledged; `pending_notifications.reason`
and `.worse`: why a notice goes (first, repeat, worse) and what got worse.

Revision ID: 8d4e6f2a0c37
Revises: 5a9c1e3f7b28
Create Date: 2026-12-11 11:10:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "8d4e6f2a0c37"
down_revision = "5a9c1e3f7b28"
branch_labels = None
depends_on = None

EMPTY = sa.text("'{}'::jsonb")


def upgrade() -> None:
    op.add_column(
        "alerts",
        sa.Column("notified_count", postgresql.JSONB(), server_default=EMPTY, nullable=False),
    )
    op.add_column(
        "alerts",
        sa.Column("ack_baseline", postgresql.JSONB(), server_default=EMPTY, nullable=False),
    )
    op.add_column(
        "pending_notifications",
        sa.Column("reason", sa.Text(), server_default="first", nullable=False),
    )
    op.add_column("pending_notifications", sa.Column("worse", postgresql.JSONB(), nullable=True))
