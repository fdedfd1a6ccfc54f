"""term totals per renewal day, kept by the database

The forecast, the KPIs, the report and the gauges summed every term due in their range:
at 200,000 terms a leadership page made three scans of 150,000 rows. `term_totals`
holds each measure summed per renewal day, currency, segment and region (a few thousand
rows), so a range is a sum over those.

Every write to `terms` (any statement, any process) adds its difference, new rows minus
old, to `term_total_changes` through statement triggers (a TRUNCATE empties both):
writers only append, so two replicas never wait on each other's totals. Readers add the
pending changes to the totals; the renewals service folds them in every few seconds
(`store.totals.fold`).

Revision ID: c5e8a1d4f702
Revises: a4c7e2b9d310
Create Date: 2026-12-05 16:40:00.000000
"""

from alembic import op

revision = "c5e8a1d4f702"
down_revision = "a4c7e2b9d310"
branch_labels = None
depends_on = None

KEY = ("end_date", "currency", "segment", "region")
KEY_SQL = "end_date, currency, coalesce(segment, ''), coalesce(region, '')"

_STATES = (
    "upcoming",
    "in_window",
    "overdue",
    "renewed_early",
    "renewed_on_time",
    "renewed_late",
    "churned",
)


def _amount(column: str, condition: str) -> str:
    return f"CASE WHEN {condition} THEN coalesce({column}, 0) ELSE 0 END"


def _category(column: str, name: str) -> str:
    return _amount("category_arr", f"is_open AND {column} = '{name}'")


# (column, type, one term's contribution): what the forecast and KPI queries sum.
MEASURES = (
    ("due_count", "bigint", "1"),
    ("due_arr", "numeric", "arr"),
    ("booked_count", "bigint", "is_renewed::int"),
    ("booked_arr", "numeric", _amount("new_arr", "is_renewed")),
    ("churned_count", "bigint", "is_churned::int"),
    ("churned_arr", "numeric", _amount("arr", "is_churned")),
    ("open_count", "bigint", "is_open::int"),
    ("open_arr", "numeric", _amount("arr", "is_open")),
    ("expected_arr", "numeric", "expected_arr"),
    ("commit_arr", "numeric", _category("forecast_category", "commit")),
    ("best_case_arr", "numeric", _category("forecast_category", "best_case")),
    ("pipeline_arr", "numeric", _category("forecast_category", "pipeline")),
    ("omitted_arr", "numeric", _category("forecast_category", "omitted")),
    ("at_risk_count", "bigint", "at_risk::int"),
    ("at_risk_arr", "numeric", _amount("arr", "at_risk")),
    ("model_commit_arr", "numeric", _category("model_category", "commit")),
    ("model_best_case_arr", "numeric", _category("model_category", "best_case")),
    ("model_at_risk_arr", "numeric", _category("model_category", "at_risk")),
    ("start_arr", "numeric", _amount("arr", "NOT is_open")),
    ("expansion_arr", "numeric", _amount("greatest(new_arr - arr, 0)", "is_renewed")),
    ("contraction_arr", "numeric", _amount("greatest(arr - new_arr, 0)", "is_renewed")),
    *((f"state_{state}", "bigint", f"(state = '{state}')::int") for state in _STATES),
)

_COLUMNS = ", ".join(name for name, _, _ in MEASURES)
_SUMS = [f"sum(sign * ({expression}))" for _, _, expression in MEASURES]


def _table(name: str, *, keyed: bool) -> str:
    measures = ", ".join(f"{column} {kind} NOT NULL" for column, kind, _ in MEASURES)
    key = f", PRIMARY KEY ({', '.join(KEY)})" if keyed else ""
    return (
        f"CREATE TABLE {name} (end_date date NOT NULL, currency text NOT NULL, "
        f"segment text NOT NULL, region text NOT NULL, {measures}{key})"
    )


def _sum_into(table: str, source: str) -> str:
    """Add the rows of `source` (terms with a `sign`, 1 or -1) to `table` per key; keys
    whose every sum is zero are left out."""
    return (
        f"INSERT INTO {table} ({', '.join(KEY)}, {_COLUMNS}) "
        f"SELECT {KEY_SQL}, {', '.join(_SUMS)} FROM ({source}) AS t "
        f"GROUP BY {KEY_SQL} HAVING {' OR '.join(f'{s} <> 0' for s in _SUMS)}"
    )


def upgrade() -> None:
    op.execute(_table("term_totals", keyed=True))
    # Appended to by every statement on terms; folded into term_totals and emptied.
    op.execute(_table("term_total_changes", keyed=False))
    news = "SELECT 1 AS sign, * FROM new_terms"
    olds = "SELECT -1 AS sign, * FROM old_terms"
    for event, source, referencing in (
        ("insert", news, "NEW TABLE AS new_terms"),
        ("update", f"{news} UNION ALL {olds}", "OLD TABLE AS old_terms NEW TABLE AS new_terms"),
        ("delete", olds, "OLD TABLE AS old_terms"),
    ):
        # search_path fixed at creation: the function runs in any session's path.
        op.execute(
            f"CREATE FUNCTION term_totals_on_{event}() RETURNS trigger LANGUAGE plpgsql "
            f"SET search_path FROM CURRENT AS $$ BEGIN {_sum_into('term_total_changes', source)}; "
            "RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER term_totals_{event} AFTER {event.upper()} ON terms "
            f"REFERENCING {referencing} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION term_totals_on_{event}()"
        )
    # TRUNCATE has no transition tables: it empties the totals with the terms.
    op.execute(
        "CREATE FUNCTION term_totals_on_truncate() RETURNS trigger LANGUAGE plpgsql "
        "SET search_path FROM CURRENT AS $$ BEGIN "
        "TRUNCATE term_totals, term_total_changes; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER term_totals_truncate AFTER TRUNCATE ON terms "
        "FOR EACH STATEMENT EXECUTE FUNCTION term_totals_on_truncate()"
    )
    # The terms already there.
    op.execute(_sum_into("term_totals", "SELECT 1 AS sign, * FROM terms"))
