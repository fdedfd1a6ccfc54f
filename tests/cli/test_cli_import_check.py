"""`radar import`, validating first: export-shaped files read whatever their encoding,
every problem named by line, column and reason, ids that repeat exactly when the
records do."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bench.exports import contracts_csv

from radar_cli.importing.cli import check
from radar_cli.importing.mappings import MappingError, load
from radar_cli.main import main
from radar_schemas import decode

FIXTURES = Path(__file__).parent / "fixtures" / "import"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def checked(name: str, kind: str, mapping: str = "salesforce", file_format: str = "csv"):  # type: ignore[no-untyped-def]
    return check((FIXTURES / name).read_bytes(), kind, load(mapping), file_format, NOW)


def problems(result) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    return [(p.line, p.column, p.reason) for p in result.problems]


def test_a_salesforce_account_export_with_a_bom_and_malformed_rows() -> None:
    result = checked("salesforce_accounts.csv", "accounts")
    assert result.encoding == "UTF-8 with BOM"
    assert result.rows == 9
    assert [e["account_id"] for e in result.events] == ["001A000001", "001A000002", "001A000003"]
    assert problems(result) == [
        (5, "Segment__c", "must be 'smb', 'mid_market' or 'enterprise'"),
        (6, "Owner.Email", "must be an email address such as jane@example.com"),
        (7, "(row)", "4 fields where the header has 10"),
        (
            8,
            "LastModifiedDate",
            "must be a date and time such as 2025-03-03T09:15:00Z, got 'yesterday'",
        ),
        (9, "Id", "required, and empty"),
        (10, "LastModifiedDate", "before 1990-01-01, which ingest refuses"),
    ]
    acme = result.events[0]
    assert acme["type"] == "account.upserted"
    assert acme["occurred_at"] == "2025-03-01T10:00:00+00:00"
    assert acme["payload"] == {
        "name": "Acme Corp",
        "segment": "enterprise",
        "region": "emea",
        "industry": "Manufacturing",
        "owner": {"name": "Dana Reyes", "email": "dana.reyes@example.com"},
        "manager": {"name": "Sam Okafor", "email": "sam.okafor@example.com"},
    }
    assert result.events[2]["payload"]["name"] == "Copper Software, Ltd"  # a quoted comma
    for event in result.events:
        decode(json.dumps(event))  # every event is a contract event


def test_a_latin_1_hubspot_export_keeps_its_accents() -> None:
    result = checked("hubspot_companies_latin1.csv", "accounts", mapping="hubspot")
    assert result.encoding == "Windows-1252"
    assert result.problems == []
    assert [e["payload"]["name"] for e in result.events] == [
        "Müller Maschinenbau GmbH",
        "Société Générale de Café",
        "Åsa Fjällräven AB",
    ]
    assert result.events[0]["payload"]["owner"]["name"] == "Jürgen Weiß"
    assert result.events[0]["occurred_at"] == "2025-02-10T09:15:00+00:00"  # naive is UTC


def test_contracts_read_thousands_separators_and_currency_signs() -> None:
    result = checked("salesforce_contracts.csv", "subscriptions")
    first = result.events[0]["payload"]
    assert (first["seats"], first["arr"], first["currency"]) == (1000, 120000.0, "EUR")
    assert problems(result) == [
        (4, "Seats__c", "must be a whole number, got 'ten'"),
        (5, "Auto_Renew__c", "must be true or false, got 'maybe'"),
        (
            6,
            "CurrencyIsoCode",
            "must be an ISO 4217 currency code of 3 uppercase letters, e.g. USD",
        ),
        (6, "EndDate", "must be less than or equal to 2199-12-31"),
        (7, "(row)", "not CSV: unexpected end of data"),
    ]


def test_contacts_from_json_lines() -> None:
    result = checked("salesforce_contacts.jsonl", "contacts", file_format="jsonl")
    assert [e["payload"] for e in result.events] == [
        {
            "contact_id": "003A01",
            "role": "champion",
            "change": "joined",
            "name": "Jane Doe",
            "email": "jane@example.com",
        },
        {"contact_id": "003A02", "role": "exec_sponsor", "change": "left", "name": "Raj Patel"},
    ]
    assert [(line, column) for line, column, _ in problems(result)] == [
        (3, "Role__c"),
        (4, "(row)"),
        (5, "(row)"),
    ]


def test_cases_become_opened_or_closed_tickets() -> None:
    result = checked("salesforce_cases.csv", "tickets")
    assert [(e["type"], e["payload"]["priority"]) for e in result.events] == [
        ("ticket.opened", "high"),
        ("ticket.closed", "normal"),
    ]


def test_event_ids_repeat_for_the_same_record_and_change_with_it() -> None:
    first = checked("salesforce_opportunities.csv", "opportunities")
    again = checked("salesforce_opportunities.csv", "opportunities")
    assert [e["event_id"] for e in first.events] == [e["event_id"] for e in again.events]
    text = (FIXTURES / "salesforce_opportunities.csv").read_text()
    edited = text.replace(
        "Negotiation,Best Case,2025-05-15,126000,2025-03-01T10:00:00Z",
        "Negotiation,Commit,2025-05-15,126000,2025-03-05T10:00:00Z",
    )
    updated = check(edited.encode(), "opportunities", load("salesforce"), "csv", NOW)
    assert updated.events[0]["event_id"] != first.events[0]["event_id"]  # the changed record
    assert updated.events[1]["event_id"] == first.events[1]["event_id"]  # the unchanged one


def test_a_mapping_file_extends_a_built_in_one() -> None:
    mapping = load(str(FIXTURES / "billing-mapping.toml"))
    assert mapping.system == "billing"
    assert mapping.of("subscriptions")["arr"] == "Annual Value"
    assert mapping.of("subscriptions")["seats"] == "Seats__c"
    with pytest.raises(MappingError, match="no column for subscription_id"):
        checked(
            "salesforce_contracts.csv",
            "subscriptions",
            mapping=str(FIXTURES / "billing-mapping.toml"),
        )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('extends = "sap"', "extends 'sap'"),
        ("[deals]\namount = 'x'", "[deals] is not a kind"),
        ("[accounts]\ncolour = 'x'", "[accounts] colour = 'x'"),
        ("[accounts", "not TOML"),
    ],
)
def test_a_broken_mapping_file_is_named_with_its_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text(text)
    with pytest.raises(MappingError, match=message.replace("[", r"\[")):
        load(str(path))


def test_future_modifications_are_refused() -> None:
    ahead = (NOW + timedelta(hours=1)).isoformat()
    text = f"CaseNumber,AccountId,Priority,Status,LastModifiedDate\n1,a,Low,New,{ahead}\n"
    result = check(text.encode(), "tickets", load("salesforce"), "csv", NOW)
    assert problems(result) == [(2, "LastModifiedDate", "in the future")]


def test_a_large_export_is_checked_whole(tmp_path: Path) -> None:
    # 20,000 rows: large enough to page through, small for the suite; the 100,000-row
    # export is timed in `make bench` (tests/bench/bench_import.py).
    path = tmp_path / "contracts.csv"
    path.write_bytes(contracts_csv(20_000, broken_every=2_000))
    result = check(path.read_bytes(), "subscriptions", load("salesforce"), "csv", NOW)
    assert result.rows == 20_000
    assert len(result.events) == 19_990
    assert {p.reason for p in result.problems} == {"must be a whole number, got 'many'"}
    assert len({e["event_id"] for e in result.events}) == 19_990


def test_dry_run_prints_the_report_and_exits_1_on_problems(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["import", "accounts", str(FIXTURES / "salesforce_accounts.csv"), "--dry-run"])
    report = capsys.readouterr().err
    assert code == 1
    assert "9 rows read (UTF-8 with BOM); 3 valid, 6 rejected" in report
    assert 'line 9, column "Id": required, and empty' in report
    clean = main(["import", "tickets", str(FIXTURES / "salesforce_cases.csv"), "--dry-run"])
    assert clean == 0
