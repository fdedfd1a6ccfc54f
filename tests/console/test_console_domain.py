"""The console's pure view logic: book rows, money, PKCE."""

from __future__ import annotations

import base64
import hashlib

from radar_console.domain.account import score_points, split_alerts
from radar_console.domain.book import (
    BookFilters,
    book_rows,
    csv_text,
    days_of,
    next_terms,
    open_alert_counts,
)
from radar_console.domain.formats import money, percent, score
from radar_console.domain.pkce import challenge_of, unverified_claims


def test_money_reads_with_its_currency():
    assert money("240000.00", "EUR") == "€240,000"
    assert money(1234.5, "usd") == "$1,234"
    assert money("5000", "CHF") == "CHF 5,000"
    assert money(None, "USD") == "—"
    assert money("-300", "GBP") == "-£300"


def test_score_and_percent():
    assert score(71.6) == "72"
    assert score(None) == "—"
    assert percent(0.834) == "83%"


def test_next_term_is_the_current_one_due_soonest():
    terms = [
        {"account_id": "a", "renewal_date": "2027-03-01", "is_current": True, "arr": "1"},
        {"account_id": "a", "renewal_date": "2026-01-01", "is_current": False, "arr": "2"},
        {"account_id": "a", "renewal_date": "2027-01-15", "is_current": True, "arr": "3"},
        {"account_id": "b", "renewal_date": "2027-06-01", "is_current": True, "arr": "4"},
    ]
    chosen = next_terms(terms)
    assert chosen["a"]["arr"] == "3"
    assert chosen["b"]["arr"] == "4"


def test_only_raised_alerts_count_as_open():
    alerts = [
        {"account_id": "a", "state": "raised"},
        {"account_id": "a", "state": "raised"},
        {"account_id": "a", "state": "acked"},
        {"account_id": "b", "state": "resolved"},
    ]
    counts = open_alert_counts(alerts)
    assert counts["a"] == 2
    assert counts["b"] == 0


def _rows():
    accounts = [
        {
            "account_id": "a",
            "name": "Acme",
            "owner": {"name": "Dana Reyes"},
            "score": 35.0,
            "band": "red",
        },
        {"account_id": "b", "name": None, "owner": None, "score": None, "band": None},
    ]
    terms = {
        "a": {
            "renewal_date": "2027-01-15",
            "days_to_renewal": 41,
            "risk_band": "high",
            "p_renew": 0.4,
            "arr": "240000.00",
            "currency": "EUR",
        }
    }
    return book_rows(accounts, terms, {"a": 2})


def test_book_rows_join_the_three_services_by_account():
    first, second = _rows()
    assert (first.name, first.owner, first.risk_band, first.open_alerts) == (
        "Acme",
        "Dana Reyes",
        "high",
        2,
    )
    assert (first.arr, first.currency, first.days_left) == ("240000.00", "EUR", 41)
    # An account without a name or term reads as its id, with nothing invented.
    assert (second.name, second.owner, second.renewal_date, second.open_alerts) == (
        "b",
        "—",
        None,
        0,
    )


def test_filters_keep_renewals_due_in_the_window_at_the_risk_asked():
    rows = _rows()
    assert [row.account_id for row in BookFilters(within_days=60).keep(rows)] == ["a"]
    assert BookFilters(within_days=30).keep(rows) == []
    assert len(BookFilters().keep(rows)) == 2
    assert [row.account_id for row in BookFilters(risk="high").keep(rows)] == ["a"]
    assert BookFilters(risk="low").keep(rows) == []  # "b" has no renewal, so no risk
    assert BookFilters(risk="high", within_days=30).keep(rows) == []
    assert BookFilters(risk="high").query()["risk"] == "high"


def test_csv_has_a_header_and_one_line_per_row():
    text = csv_text(_rows())
    lines = text.strip().splitlines()
    assert lines[0].startswith("account_id,name,owner")
    assert lines[1].startswith("a,Acme,Dana Reyes")
    assert "240000.00,EUR,2" in lines[1]
    assert len(csv_text(_rows(), header=False).strip().splitlines()) == 2


def test_filters_pass_only_known_sorts_and_echo_the_query():
    filters = BookFilters(owner="dana@example.com", within_days=30, sort="drop table")
    assert filters.health_params()["sort"] == "name"
    assert filters.query() == {
        "owner": "dana@example.com",
        "within_days": "30",
        "sort": "drop table",
    }


def test_score_points_use_the_shown_score_in_event_time_order():
    history = [
        {"at": "2026-12-02T00:00:00+00:00", "score": 50.0, "effective_score": 90.0},
        {"at": "2026-12-01T00:00:00+00:00", "score": 55.0, "effective_score": None},
    ]
    assert score_points(history) == [
        ("2026-12-01T00:00:00+00:00", 55.0),
        ("2026-12-02T00:00:00+00:00", 90.0),
    ]


def test_open_and_past_alerts():
    open_, past = split_alerts([{"state": "raised"}, {"state": "snoozed"}, {"state": "resolved"}])
    assert [a["state"] for a in open_] == ["raised", "snoozed"]
    assert [a["state"] for a in past] == ["resolved"]


def test_pkce_challenge_is_s256_of_the_verifier():
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    # RFC 7636 appendix B
    assert challenge_of(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    expected = base64.urlsafe_b64encode(hashlib.sha256(b"x").digest()).rstrip(b"=").decode()
    assert challenge_of("x") == expected


def test_unverified_claims_read_the_nonce_and_survive_garbage():
    payload = base64.urlsafe_b64encode(b'{"nonce":"n1"}').rstrip(b"=").decode()
    assert unverified_claims(f"h.{payload}.s") == {"nonce": "n1"}
    assert unverified_claims("not a jwt") == {}


def test_days_of_reads_the_form_box():
    assert days_of("30") == 30
    assert days_of(" 0 ") == 0
    assert days_of("") is None
    assert days_of(None) is None
    assert days_of("-5") is None
    assert days_of("99999") is None
