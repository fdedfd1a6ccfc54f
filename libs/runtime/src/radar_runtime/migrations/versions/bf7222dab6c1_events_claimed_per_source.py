"""events claimed per source

The same event id from two source systems names two events. Claims made before this
revision carry the source '' and are not recognised afterwards: upgrade while the
consumers have caught up (no lag), so no event claimed before is replayed after.

Revision ID: bf7222dab6c1
Revises: 01401b4d52d3
Create Date: 2026-12-04 17:02:14.392245
"""

import sqlalchemy as sa
from alembic import op

revision = "bf7222dab6c1"
down_revision = "01401b4d52d3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "processed_events", sa.Column("source", sa.Text(), server_default="", nullable=False)
    )
    op.drop_constraint("processed_events_pkey", "processed_events", type_="primary")
    op.create_primary_key("processed_events_pkey", "processed_events", ["source", "event_id"])
