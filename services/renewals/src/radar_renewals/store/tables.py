"""Tables of the renewals schema: the facts as received, and the projection derived from them.

Declared without a schema: the runtime points each connection's search_path at the
service's own schema. The revisions in migrations/ make these tables: a change here
needs one (see "Schema migrations" in the top-level README).

Fact tables keep what the events said, newest version per key (or every edit, where
the backtest needs to look back in time). `terms` is derived from them and holds the
figures the API aggregates, pre-computed and indexed so a forecast is one GROUP BY.
"""

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    Table,
    Text,
    Uuid,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB

from radar_renewals.domain.terms import State

metadata = MetaData()

Money = Numeric(18, 2)


def versioned(*, primary_key: bool = False) -> tuple[Column[Any], Column[Any]]:
    """The version of the event a row came from (`radar_runtime.versions`): newest wins."""
    return (
        Column("version_at", DateTime(timezone=True), primary_key=primary_key, nullable=False),
        Column("version_id", Uuid, primary_key=primary_key, nullable=False),
    )


accounts = Table(
    "accounts",
    metadata,
    Column("account_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("segment", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("owner_email", Text, nullable=False),
    Column("owner", JSONB, nullable=False),
    Column("manager", JSONB),
    *versioned(),
)

subscription_facts = Table(
    "subscription_facts",
    metadata,
    Column("subscription_id", Text, primary_key=True),
    Column("start_date", Date, primary_key=True),
    Column("account_id", Text, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("arr", Money, nullable=False),
    Column("seats", Integer, nullable=False),
    Column("plan", Text, nullable=False),
    Column("currency", Text, nullable=False),
    Column("auto_renew", Boolean, nullable=False),
    *versioned(),
    Index("subscription_facts_account", "account_id"),
)

bookings = Table(
    "bookings",
    metadata,
    Column("subscription_id", Text, primary_key=True),
    Column("new_end_date", Date, primary_key=True),
    Column("account_id", Text, nullable=False),
    Column("booked_at", Date, nullable=False),
    Column("new_arr", Money, nullable=False),
    *versioned(),
)

cancellations = Table(
    "cancellations",
    metadata,
    Column("subscription_id", Text, primary_key=True),
    Column("account_id", Text, nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    *versioned(),
)

opportunity_edits = Table(
    "opportunity_edits",
    metadata,
    Column("opportunity_id", Text, primary_key=True),
    *versioned(primary_key=True),
    Column("subscription_id", Text, nullable=False),
    Column("account_id", Text, nullable=False),
    Column("stage", Text, nullable=False),
    Column("forecast_category", Text, nullable=False),
    Column("close_date", Date, nullable=False),
    Column("amount", Money, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Index("opportunity_edits_subscription", "subscription_id"),
)

# One score per account and day (the newest of the day) bounds the history's size.
health_scores = Table(
    "health_scores",
    metadata,
    Column("account_id", Text, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("as_of", DateTime(timezone=True), nullable=False),
    Column("score", Float, nullable=False),
    Column("band", Text, nullable=False),
    Column("score_30d_ago", Float),
    Column("utilisation", Float),
    # Escalated (or watched-priority) tickets open at `as_of`, as health counted them;
    # NULL when the health service did not say.
    Column("open_escalations", Integer),
    # A person's manual override in force at `as_of`, as a sentence naming them.
    Column("override_note", Text),
    # Computed while the account's history was still arriving (`HealthScored.provisional`).
    Column("provisional", Boolean, nullable=False, server_default=false()),
    *versioned(),
)

contact_changes = Table(
    "contact_changes",
    metadata,
    Column("account_id", Text, primary_key=True),
    Column("contact_id", Text, primary_key=True),
    *versioned(primary_key=True),
    Column("role", Text, nullable=False),
    Column("change", Text, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
)

# No JSON here on purpose: a forecast scans these rows, and risk drivers (re-derived on
# demand from the facts for the few terms shown in detail) would triple their width.
terms = Table(
    "terms",
    metadata,
    Column("subscription_id", Text, primary_key=True),
    Column("start_date", Date, primary_key=True),
    Column("account_id", Text, nullable=False),
    Column("end_date", Date, nullable=False),
    # Period starts and state flags, pre-computed so a forecast compares no strings.
    Column("renewal_month", Date, nullable=False),
    Column("renewal_quarter", Date, nullable=False),
    Column("is_open", Boolean, nullable=False),
    Column("is_renewed", Boolean, nullable=False),
    Column("is_churned", Boolean, nullable=False),
    Column("is_current", Boolean, nullable=False),
    Column("arr", Money, nullable=False),
    Column("seats", Integer, nullable=False),
    Column("plan", Text, nullable=False),
    Column("currency", Text, nullable=False),
    Column("auto_renew", Boolean, nullable=False),
    Column("booked_at", Date),
    Column("new_arr", Money),
    Column("new_end_date", Date),
    Column("cancelled_effective", Date),
    Column("cancel_reason", Text),
    Column("opportunity_stage", Text),
    Column("forecast_category", Text),
    Column("opportunity_amount", Money),
    Column("opportunity_close_date", Date),
    Column("account_name", Text),
    Column("segment", Text),
    Column("region", Text),
    Column("owner", Text),
    Column("health_score", Float),
    Column("health_band", Text),
    Column("state", Text, nullable=False),
    Column("timing", Text),
    Column("risk_score", Float, nullable=False),
    Column("risk_band", Text, nullable=False),
    Column("p_renew", Float, nullable=False),
    Column("expected_arr", Money, nullable=False),
    # ARR a forecast category stands for: the opportunity amount, else the term's ARR.
    Column("category_arr", Money, nullable=False),
    # At risk as `domain.alerts.at_risk` says (hysteresis included): the forecast, the
    # report and the gauges count exactly the terms with an open renewal.at_risk alert.
    Column("at_risk", Boolean, nullable=False),
    # The model's p_renew as a call category (`domain.calls.model_category`); open terms.
    Column("model_category", Text),
    # Of everything above but `evaluated_on`: a row is rewritten only when it changed.
    Column("content_hash", Text, nullable=False),
    Column("evaluated_on", Date, nullable=False),
    # Only the indexes the reads need: each one more slows every term first written
    # (neither column ever changes on a term, so rewrites stay HOT).
    Index("terms_end_date", "end_date"),
    Index("terms_account", "account_id"),  # the console's `account=` lists
    # Room on each page for its rows' next versions: rewrites stay HOT (no index work).
    postgresql_with={"fillfactor": 70},
)

state_changes = Table(
    "state_changes",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("subscription_id", Text, nullable=False),
    Column("term_start", Date, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("state", Text, nullable=False),
    Column("previous_state", Text),
    Column("risk_score", Float, nullable=False),
    Column("risk_band", Text, nullable=False),
    Column("previous_risk_band", Text),
    Column("p_renew", Float, nullable=False),
    Index("state_changes_subscription", "subscription_id", "id"),
)

active_alerts = Table(
    "active_alerts",
    metadata,
    Column("dedup_key", Text, primary_key=True),
    Column("subscription_id", Text, nullable=False),
    Column("account_id", Text, nullable=False),
    Column("rule", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    # The stamp of the latest raise event sent (the raise, or a later update): what
    # resolves it is stamped no earlier.
    Column("stamped_at", DateTime(timezone=True), nullable=False),
    Column("alert", JSONB, nullable=False),
    Index("active_alerts_subscription", "subscription_id"),
)

# Every forecast call a manager made on a renewal (subscription and renewal date), with
# who made it: the history. `current_calls` points at the newest per renewal, so the
# forecast joins one row per term.
manager_calls = Table(
    "manager_calls",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("subscription_id", Text, nullable=False),
    Column("renewal_date", Date, nullable=False),
    Column("category", Text, nullable=False),
    Column("next_step", Text, nullable=False),
    Column("next_step_date", Date, nullable=False),
    Column("note", Text, nullable=False),
    Column("by_subject", Text, nullable=False),
    Column("by_name", Text, nullable=False),
    Column("by_email", Text),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("manager_calls_renewal", "subscription_id", "renewal_date", "id"),
)

current_calls = Table(
    "current_calls",
    metadata,
    Column("subscription_id", Text, primary_key=True),
    Column("renewal_date", Date, primary_key=True),
    Column("call_id", BigInteger, nullable=False),
    Column("category", Text, nullable=False),
)

# When each dedup key was last resolved: a raise of the same key later is stamped after
# it, so a consumer ordering an alert's events by time never takes the raise for stale.
resolved_alerts = Table(
    "resolved_alerts",
    metadata,
    Column("dedup_key", Text, primary_key=True),
    Column("resolved_at", DateTime(timezone=True), nullable=False),
)

# One row per account, row-locked by each refresh for the accounts it re-derives: an
# account's facts can arrive at different replicas (CRM on one, health on another), and
# its subscriptions must be re-derived by one at a time (see `accounts.lock_accounts`).
# Row locks, unlike advisory locks, take no room in PostgreSQL's shared lock table, so
# a batch may lock thousands of accounts.
account_locks = Table(
    "account_locks",
    metadata,
    Column("account_id", Text, primary_key=True),
)

# Each measure the forecast and KPIs sum, summed per renewal day, currency, segment and
# region ('' for none): kept by triggers on `terms` (migration c5e8a1d4f702), which
# append every statement's difference to `term_total_changes`; `store.totals` folds
# those in. A range's figures are the sum of both.
TOTAL_COUNTS = (
    "due_count",
    "booked_count",
    "churned_count",
    "open_count",
    "at_risk_count",
    *(f"state_{state.value}" for state in State),
)
TOTAL_AMOUNTS = (
    "due_arr",
    "booked_arr",
    "churned_arr",
    "open_arr",
    "expected_arr",
    "commit_arr",
    "best_case_arr",
    "pipeline_arr",
    "omitted_arr",
    "at_risk_arr",
    "model_commit_arr",
    "model_best_case_arr",
    "model_at_risk_arr",
    "start_arr",
    "expansion_arr",
    "contraction_arr",
)


def _totals_table(name: str, *, keyed: bool) -> Table:
    return Table(
        name,
        metadata,
        Column("end_date", Date, primary_key=keyed, nullable=False),
        Column("currency", Text, primary_key=keyed, nullable=False),
        Column("segment", Text, primary_key=keyed, nullable=False),
        Column("region", Text, primary_key=keyed, nullable=False),
        *(Column(c, BigInteger, nullable=False) for c in TOTAL_COUNTS),
        *(Column(a, Numeric, nullable=False) for a in TOTAL_AMOUNTS),
    )


term_totals = _totals_table("term_totals", keyed=True)
term_total_changes = _totals_table("term_total_changes", keyed=False)
