"""`radar-ingest-keys`: the printed key matches the printed hash, and the snippet loads."""

from __future__ import annotations

import io
import json
import re

import pytest

from radar_ingest.cli import main
from radar_ingest.domain.auth import hash_key
from radar_ingest.keys import load_keyring
from radar_ingest.settings import IngestSettings


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def printed_key(out: str) -> str:
    match = re.search(r"^\s+(rr_\S+)$", out, re.MULTILINE)
    assert match, out
    return match.group(1)


def test_new_prints_a_key_once_and_a_toml_snippet_that_loads(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys, "new", "--source", "crm", "--allow", "account.", "--allow", "subscription."
    )
    assert code == 0
    key = printed_key(out)
    assert out.count(key) == 1
    snippet = out[out.index("[[keys]]") :]
    assert f'sha256 = "{hash_key(key)}"' in snippet
    keyring = load_keyring(IngestSettings(api_keys=snippet), environ={})
    authenticated = keyring.authenticate(key)
    assert authenticated is not None
    assert authenticated.source == "crm"
    assert authenticated.may_send("subscription.upserted")
    assert not authenticated.may_send("ticket.opened")


def test_new_with_signing_prints_the_secret_for_the_environment(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys,
        "new",
        "--source",
        "hook",
        "--allow",
        "usage.",
        "--signing-secret-env",
        "HOOK_SECRET",
        "--format",
        "json",
    )
    assert code == 0
    secret = re.search(r"HOOK_SECRET=([0-9a-f]{64})", out)
    assert secret
    entry = json.loads(out.strip().splitlines()[-1])
    assert entry["signing_secret_env"] == "HOOK_SECRET"
    keyring = load_keyring(
        IngestSettings(api_keys=json.dumps([entry])), environ={"HOOK_SECRET": secret.group(1)}
    )
    assert keyring.keys[0].signing_secret == secret.group(1).encode()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["new", "--source", "crm", "--allow", "acount."], "matches no event type"),
        (["new", "--source", "bad source", "--allow", "ticket."], "--source"),
        (
            ["new", "--source", "s", "--allow", "ticket.", "--signing-secret-env", "1X"],
            "not a variable name",
        ),
    ],
)
def test_new_refuses_bad_arguments(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert "rr_" not in out


def test_hash_reads_the_key_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("rr_abc\n"))
    code, out, _ = run(capsys, "hash")
    assert code == 0
    assert out.strip() == hash_key("rr_abc")


def test_check_validates_the_configured_keys(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "RADAR_INGEST_API_KEYS",
        json.dumps([{"source": "crm", "sha256": hash_key("k"), "allow": ["account."]}]),
    )
    code, out, _ = run(capsys, "check")
    assert code == 0
    assert "ok: source crm may send account.upserted" in out
    monkeypatch.setenv("RADAR_INGEST_API_KEYS", "[]")
    code, _, err = run(capsys, "check")
    assert code == 1
    assert "no API keys configured" in err
