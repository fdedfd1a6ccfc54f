"""The notifier's tables, declared without a schema: the runtime's search_path picks it.
The revisions in migrations/ make them: a change here needs one (see "Schema
migrations" in the top-level README).

- `alerts`: one row per dedup_key, the fatigue state of its current episode, the
  latest alert seen and the recipients it was routed to.
- `pending_notifications`: notices waiting for their recipient's group to be due.
- `history_arrivals`: when the last alert event of history being loaded arrived; the
  notices such events queued wait until none arrived for `[history] settle`.
- `recipient_groups`: when each recipient last got a digest (group_interval).
- `feedback`: "not useful" verdicts, one per person per alert episode, with the reason.
- `episodes`: every episode of every alert (raised → resolved) by event time, with
  when it was first told and acknowledged or snoozed: the history the API shows and
  the rule quality report counts.
- `slack_requests`: the signatures of Slack interactions received, so a replay of one
  (valid within Slack's five minutes) changes nothing.
- `used_links`: email action links already used (each works once).
- `renewal_terms`: each renewal term's state as `renewal.state_changed` tells it, so
  the rule quality report can say what became of the accounts an alert fired on, and
  the notices of former customers (every term churned) are held back.
- `deliveries`: the delivery log; a row is written, with its rendered message, before
  the first attempt, and keeps attempts, the last error and the outcome. A row is
  marked `sending` before its message goes out and its outcome recorded after, so an
  attempt a crash cut short is seen and counted.
"""

from __future__ import annotations

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
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

alerts = Table(
    "alerts",
    metadata,
    Column("dedup_key", Text, primary_key=True),
    Column("alert_id", Text, nullable=False),
    Column("account_id", Text, nullable=False),
    Column("owner_email", Text),
    Column("rule", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("first_raised_at", DateTime(timezone=True)),
    Column("last_raised_at", DateTime(timezone=True)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("last_notified_at", JSONB, nullable=False),
    Column("notified_count", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("resolved_notified", JSONB, nullable=False),
    Column("acked_by", Text),
    Column("acked_at", DateTime(timezone=True)),
    Column("ack_baseline", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("snoozed_until", DateTime(timezone=True)),
    Column("view", JSONB, nullable=False),
    Column("recipients", JSONB, nullable=False),
    Column("matched_routes", JSONB, nullable=False),
    Column("skipped_recipients", JSONB, nullable=False),
    Column("inhibited_by", Text),
    # When time alone could change whether someone should hear of it (a repeat is
    # due, a snooze ends); the delivery worker re-evaluates rows whose time came.
    Column("recheck_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("alerts_alert_id", "alert_id"),
    Index("alerts_account", "account_id", "status"),
    Index("alerts_owner", "owner_email"),
    Index("alerts_inhibited_by", "inhibited_by", postgresql_where=text("inhibited_by IS NOT NULL")),
    Index("alerts_recheck", "recheck_at", postgresql_where=text("status = 'raised'")),
)

pending_notifications = Table(
    "pending_notifications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("recipient_key", Text, nullable=False),
    Column("recipient_kind", Text, nullable=False),
    Column("recipient_address", Text, nullable=False),
    Column("route", Text, nullable=False),
    Column("dedup_key", Text, nullable=False),
    Column("notice", Text, nullable=False),
    Column("alert", JSONB, nullable=False),
    Column("enqueued_at", DateTime(timezone=True), nullable=False),
    # When the fact told became true; the delivery latency is measured from it.
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    # What `last_notified_at` held for this recipient before this notice was queued:
    # restored when the notice is dropped at flush time, so a muted notice does not
    # count as "told".
    Column("previous_notified_at", DateTime(timezone=True)),
    # A notice of history being loaded: it waits until that settles (history_arrivals).
    Column("held", Boolean, nullable=False, server_default=text("false")),
    # Why a raised notice is sent: first, repeat, or worse (with what got worse).
    Column("reason", Text, nullable=False, server_default="first"),
    Column("worse", JSONB),
    # waiting | grouped | superseded | dropped
    Column("status", Text, nullable=False),
    Column("delivery_key", Text),
    Column("drop_reason", Text),
    Index(
        "pending_waiting",
        "recipient_key",
        "enqueued_at",
        postgresql_where=text("status = 'waiting'"),
    ),
)

history_arrivals = Table(
    "history_arrivals",
    metadata,
    # One row: when the last alert event of history being loaded arrived.
    Column("id", SmallInteger, primary_key=True),
    Column("last_at", DateTime(timezone=True), nullable=False),
)

recipient_groups = Table(
    "recipient_groups",
    metadata,
    Column("recipient_key", Text, primary_key=True),
    Column("last_flush_at", DateTime(timezone=True), nullable=False),
)

episodes = Table(
    "episodes",
    metadata,
    Column("dedup_key", Text, primary_key=True),
    # Event times: when the condition began and ended.
    Column("raised_at", DateTime(timezone=True), primary_key=True),
    Column("resolved_at", DateTime(timezone=True)),
    Column("alert_id", Text, nullable=False),
    Column("rule", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("account_id", Text, nullable=False),
    Column("subscription_id", Text),
    # Clock times: when the notifier first saw it, first told someone, and when
    # someone first acknowledged or snoozed it.
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("notified_at", DateTime(timezone=True)),
    Column("acked_at", DateTime(timezone=True)),
    Column("snoozed_at", DateTime(timezone=True)),
    Index("episodes_rule_raised", "rule", "raised_at"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    # The episode judged.
    Column("dedup_key", Text, nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Column("alert_id", Text, nullable=False),
    Column("rule", Text, nullable=False),
    Column("account_id", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("note", Text),
    # Who said so, as the credential, the Slack user or the email link named them.
    Column("by_subject", Text, nullable=False),
    Column("by_name", Text, nullable=False),
    Column("by_email", Text),
    Column("via", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("dedup_key", "raised_at", "by_subject", name="feedback_one_per_person"),
    Index("feedback_rule", "rule", "raised_at"),
)

slack_requests = Table(
    "slack_requests",
    metadata,
    # Slack's signature of a request: a replay carries the same one.
    Column("signature", Text, primary_key=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

used_links = Table(
    "used_links",
    metadata,
    # The SHA-256 of an email action link that was used: it works only once.
    Column("token_sha256", Text, primary_key=True),
    Column("alert_id", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("recipient", Text, nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=False),
    # After this the link is refused as expired anyway: the row may go.
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

renewal_terms = Table(
    "renewal_terms",
    metadata,
    Column("subscription_id", Text, primary_key=True),
    Column("renewal_date", Date, primary_key=True),
    Column("account_id", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("arr", Float, nullable=False),
    # The occurred_at of the event the row holds.
    Column("state_at", DateTime(timezone=True), nullable=False),
    # When the term was first seen renewed or churned; null while it is open.
    Column("decided_at", DateTime(timezone=True)),
    # When renewals reached the verdict the row holds (null from producers that predate
    # it): the newest verdict wins, ordered by this, else by state_at.
    Column("evaluated_at", DateTime(timezone=True)),
    Index("renewal_terms_account", "account_id"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    # One digest, one row: a replayed alert or a restarted worker finds it taken.
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("channel", Text, nullable=False),
    Column("recipient", Text, nullable=False),
    Column("recipient_key", Text, nullable=False),
    Column("route", Text, nullable=False),
    Column("headline", Text, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("alert_ids", JSONB, nullable=False),
    Column("dedup_keys", JSONB, nullable=False),
    Column("first_occurred_at", DateTime(timezone=True), nullable=False),
    # pending | sending | sent | failed
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # Attempts whose outcome was never recorded (the sender stopped mid-send): the
    # message may have gone out, so the next attempt may deliver it twice.
    Column("interrupted", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("last_attempt_at", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("failed_at", DateTime(timezone=True)),
    Index("deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
    Index("deliveries_status", "status", "id"),
)
