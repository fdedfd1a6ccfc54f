"""`radar-tokens` as the README shows it: new, list, revoke."""

from __future__ import annotations

import uuid

import pytest

from radar_runtime.auth.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as ended:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(ended.value.code or 0), out, err


def test_new_list_revoke(database_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RADAR_AUTH_SCHEMA", f"auth_{uuid.uuid4().hex[:8]}")

    code, token, note = run(
        capsys, "new", "--name", "forecast-export", "--role", "viewer", "--expires-days", "90"
    )
    assert code == 0
    assert token.strip().startswith("rrt_") and len(token.strip()) > 40
    assert "Shown once" in note
    code, _, _ = run(
        capsys, "new", "--name", "dana", "--role", "csm", "--email", "dana@example.com"
    )
    assert code == 0

    code, listing, _ = run(capsys, "list")
    rows = [line.split("\t") for line in listing.splitlines()]
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("forecast-export", "viewer", "-", "active"),
        ("dana", "csm", "dana@example.com", "active"),
    ]
    assert rows[0][5] == "never"

    assert run(capsys, "revoke", "forecast-export")[:2] == (0, "revoked forecast-export\n")
    assert run(capsys, "revoke", "forecast-export")[0] == 1
    assert run(capsys, "new", "--name", "dana", "--role", "admin")[0] == 1  # names stay taken
    states = [line.split("\t")[3] for line in run(capsys, "list")[1].splitlines()]
    assert states == ["revoked", "active"]
