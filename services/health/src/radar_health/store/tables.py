"""The health service's tables, in its own schema (no schema named: the search_path sets it).

The revisions in migrations/ make them: a change here needs one (see "Schema migrations"
in the top-level README).

Every projection is order-independent: additive daily totals, GREATEST/LEAST instants,
and newest-wins rows versioned by (occurred_at, event_id), the event id breaking ties.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    Numeric,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

health_metadata = MetaData()


def _version(prefix: str = "") -> list[Column[object]]:
    """The (occurred_at, event_id) of the event a newest-wins row was taken from."""
    return [
        Column(f"{prefix}version_at", DateTime(timezone=True)),
        Column(f"{prefix}version_id", Uuid),
    ]


accounts = Table(
    "accounts",
    health_metadata,
    Column("account_id", Text, primary_key=True),
    # From the newest account.upserted.
    Column("name", Text),
    Column("segment", Text),
    Column("region", Text),
    Column("industry", Text),
    Column("owner", JSONB),
    Column("owner_email", Text),  # lower-cased, for the owner filter of the account list
    Column("manager", JSONB),
    *_version(),
    # Over every event of the account.
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
    Column("last_engagement_at", DateTime(timezone=True)),
    Column("tickets_seen", Boolean, nullable=False, server_default="false"),
    # Processing time, not event time: when an event for a day before yesterday last
    # arrived (the rules hold their verdicts while a backfill is under way).
    Column("late_at", DateTime(timezone=True)),
    Index("accounts_owner_email", "owner_email"),
    Index("accounts_late", "late_at"),
    Index("accounts_segment", "segment"),
)

subscriptions = Table(
    "subscriptions",
    health_metadata,
    Column("subscription_id", Text, primary_key=True),
    Column("account_id", Text, nullable=False),
    # From the newest subscription.upserted (a booking names no currency).
    Column("seats", Integer),
    Column("currency", Text),
    *_version("seats_"),
    # End of the current term and its ARR: the newest upsert or booking.
    Column("arr", Float),
    Column("end_date", Date),
    *_version("term_"),
    # The newest cancellation; a later upsert or booking re-activates the subscription.
    Column("cancelled_at", DateTime(timezone=True)),
    Index("subscriptions_account", "account_id"),
)

# One row per account, metric and UTC day of occurred_at: never one per raw event.
usage_daily = Table(
    "usage_daily",
    health_metadata,
    Column("account_id", Text, primary_key=True),
    Column("metric", Text, primary_key=True),
    Column("day", Date, primary_key=True),
    # numeric: exact sums, so the total never depends on the order events arrived in.
    Column("total", Numeric, nullable=False),
    # No index on day: the daily retention delete can scan; every usage batch would pay.
)

# The users seen per account and UTC day: distinct active users at any past instant.
usage_users_daily = Table(
    "usage_users_daily",
    health_metadata,
    Column("account_id", Text, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("users", ARRAY(Text), nullable=False),  # sorted, each once
)

# Every CRM and support event health reads, as it came: the facts of any past instant
# (the tables above keep only the newest state). Low volume beside usage.
account_events = Table(
    "account_events",
    health_metadata,
    Column("account_id", Text, primary_key=True),
    Column("occurred_at", DateTime(timezone=True), primary_key=True),
    Column("event_id", Uuid, primary_key=True),
    Column("type", Text, nullable=False),
    Column("payload", JSONB, nullable=False),
)

account_users = Table(
    "account_users",
    health_metadata,
    Column("account_id", Text, primary_key=True),
    Column("user_id", Text, primary_key=True),
    Column("last_seen", Date, nullable=False),
)

tickets = Table(
    "tickets",
    health_metadata,
    Column("account_id", Text, primary_key=True),
    Column("ticket_id", Text, primary_key=True),
    Column("priority", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("escalated", Boolean, nullable=False),
    Column("is_open", Boolean, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    *_version(),
    Index("tickets_open", "account_id", postgresql_where=text("is_open")),
)

nps_responses = Table(
    "nps_responses",
    health_metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("account_id", Text, nullable=False),
    Column("contact_id", Text, nullable=False),
    Column("score", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("nps_account_at", "account_id", "at"),
)

csat_responses = Table(
    "csat_responses",
    health_metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("account_id", Text, nullable=False),
    Column("ticket_id", Text, nullable=False),
    Column("score", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("csat_account_at", "account_id", "at"),
)

contacts = Table(
    "contacts",
    health_metadata,
    Column("account_id", Text, primary_key=True),
    Column("contact_id", Text, primary_key=True),
    Column("role", Text, nullable=False),
    Column("present", Boolean, nullable=False),
    *_version(),
)

# Who a contact is: the newest contact.changed or contact.identified giving a name or an
# email (a contact may be named before, or without, the CRM listing them).
contact_names = Table(
    "contact_names",
    health_metadata,
    Column("account_id", Text, primary_key=True),
    Column("contact_id", Text, primary_key=True),
    Column("name", Text),
    Column("email", Text),
    *_version(),
)

# Accounts whose usage changed since their last recompute (drained by the worker).
recompute_queue = Table(
    "recompute_queue",
    health_metadata,
    Column("account_id", Text, primary_key=True),
)

# Accounts with events for a day whose close may already be in the score history: its
# points from `from_day` on are recomputed by event time (drained by the usage worker).
history_queue = Table(
    "history_queue",
    health_metadata,
    Column("account_id", Text, primary_key=True),
    Column("from_day", Date, nullable=False),
)

account_health = Table(
    "account_health",
    health_metadata,
    Column("account_id", Text, primary_key=True),
    # The last computation, scored or not.
    Column("as_of", DateTime(timezone=True)),
    Column("score", Float),
    Column("band", Text),
    Column("scorecard", Text),
    Column("components", JSONB),
    Column("missing", JSONB),
    # What downstream last saw in health.scored (the override included).
    Column("emitted_score", Float),
    Column("emitted_band", Text),
    Column("emitted_override", Text),
    Column("emitted_escalations", Integer),  # open escalations announced
    Column("emitted_at", DateTime(timezone=True)),
    # The latest instant the rules judged (not held): alerts are never judged again
    # for an earlier instant, so their timestamps only move forward.
    Column("judged_at", DateTime(timezone=True)),
)

health_overrides = Table(
    "health_overrides",
    health_metadata,
    Column("account_id", Text, primary_key=True),
    Column("score", Float),
    Column("band", Text),
    # The band the override puts the account in (a score-only override: by thresholds).
    Column("effective_band", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

score_history = Table(
    "score_history",
    health_metadata,
    Column("account_id", Text, primary_key=True),
    Column("at", DateTime(timezone=True), primary_key=True),
    Column("score", Float, nullable=False),  # computed: the trend rules read this one
    Column("band", Text, nullable=False),
    Column("effective_score", Float),
    Column("effective_band", Text),
)

open_alerts = Table(
    "open_alerts",
    health_metadata,
    Column("dedup_key", Text, primary_key=True),
    Column("account_id", Text, nullable=False),
    Column("rule", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("alert_id", Text, nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    # The alert as raised (JSON), re-sent on resolve; text, as it is only parsed then.
    Column("payload", Text, nullable=False),
    Index("open_alerts_account", "account_id"),
)
