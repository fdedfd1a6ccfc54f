"""open escalations from health scores

Renewals took open escalations from the health service's `support.escalation` alerts
on cs.alerts.v1 (a topic it produces itself). It now takes the count health concludes,
carried by `health.scored` (`open_escalations`), kept with each day's score so the
backtest sees it as of any past day. The alert history is dropped; scores stored before
this revision say nothing about escalations (NULL: not known) until the next ones.

Revision ID: f36450e04c9f
Revises: 8bee213c8709
Create Date: 2026-12-04 17:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "f36450e04c9f"
down_revision = "8bee213c8709"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("health_scores", sa.Column("open_escalations", sa.Integer(), nullable=True))
    op.drop_table("escalation_events")
