"""at risk flag, alert stamps and resolved alerts

`terms.at_risk` holds the one meaning of "at risk" the alerts use, so the forecast and
the report count the terms with an open renewal.at_risk alert; `active_alerts.stamped_at`
is the stamp of an alert's latest raise event, and `resolved_alerts` when each dedup key
was last resolved, so each alert's events are stamped in order.
Existing terms start from their risk band and are set exactly at their next evaluation
(the column changes their content hash, so each is rewritten then).

Revision ID: 3c9d1e7a5b20
Revises: f36450e04c9f
Create Date: 2026-12-04 18:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "3c9d1e7a5b20"
down_revision = "f36450e04c9f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "terms", sa.Column("at_risk", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.execute("UPDATE terms SET at_risk = is_open AND risk_band = 'high'")
    op.alter_column("terms", "at_risk", server_default=None)
    op.add_column("active_alerts", sa.Column("stamped_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE active_alerts SET stamped_at = raised_at")
    op.alter_column("active_alerts", "stamped_at", nullable=False)
    op.create_table(
        "resolved_alerts",
        sa.Column("dedup_key", sa.Text(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("dedup_key"),
    )
