"""The key configuration is validated at start-up with errors that say where and why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from radar_ingest.domain.auth import hash_key
from radar_ingest.keys import KeyConfigError, KeyStore, load_keyring
from radar_ingest.settings import IngestSettings

CRM = hash_key("rr_crm")
DESK = hash_key("rr_desk")


def settings(**values: object) -> IngestSettings:
    return IngestSettings(_env_file=None, **values)  # type: ignore[call-arg]


def toml_key(source: str, sha: str, allow: list[str], extra: str = "") -> str:
    lines = ["[[keys]]", f"source = {json.dumps(source)}", f"sha256 = {json.dumps(sha)}"]
    return "\n".join([*lines, f"allow = {json.dumps(allow)}", extra, ""])


def test_keys_from_a_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    path.write_text(toml_key("crm", CRM, ["account."]) + toml_key("desk", DESK, ["ticket."]))
    keyring = load_keyring(settings(api_keys_file=path), environ={})
    assert [k.source for k in keyring.keys] == ["crm", "desk"]
    assert keyring.authenticate("rr_desk") is not None


@pytest.mark.parametrize(
    "text",
    [
        json.dumps([{"source": "crm", "sha256": CRM, "allow": ["account."]}]),
        json.dumps({"keys": [{"source": "crm", "sha256": CRM, "allow": ["account."]}]}),
        toml_key("crm", CRM, ["account."]),
    ],
    ids=["json list", "json object", "toml"],
)
def test_inline_keys_as_json_or_toml(text: str) -> None:
    keyring = load_keyring(settings(api_keys=text), environ={})
    key = keyring.authenticate("rr_crm")
    assert key is not None
    assert key.source == "crm"
    assert key.allow == ("account.",)


def test_file_and_inline_keys_are_merged(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    path.write_text(toml_key("crm", CRM, ["account."]))
    inline = json.dumps([{"source": "desk", "sha256": DESK, "allow": ["ticket."]}])
    keyring = load_keyring(settings(api_keys_file=path, api_keys=inline), environ={})
    assert {k.source for k in keyring.keys} == {"crm", "desk"}


def test_the_signing_secret_is_read_from_the_named_variable() -> None:
    inline = toml_key("hook", CRM, ["usage."], 'signing_secret_env = "HOOK_SECRET"')
    keyring = load_keyring(settings(api_keys=inline), environ={"HOOK_SECRET": "s3"})
    assert keyring.keys[0].signing_secret == b"s3"


def test_the_environment_variables_configure_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADAR_INGEST_API_KEYS", toml_key("crm", CRM, ["account."]))
    keyring = load_keyring(IngestSettings(), environ={})
    assert keyring.keys[0].source == "crm"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no API keys configured"),
        ("[[keys]]\nsource = ", "neither valid TOML nor JSON"),
        (toml_key("crm", "abc", ["account."]), "keys[0].sha256"),
        (toml_key("crm", CRM.upper(), ["account."]), "keys[0].sha256"),
        (toml_key("", CRM, ["account."]), "keys[0].source"),
        (toml_key("crm", CRM, []), "keys[0].allow"),
        (toml_key("crm", CRM, ["acount."]), "allow prefix 'acount.' matches no event type"),
        (toml_key("crm", CRM, ["alert."]), "allow prefix 'alert.' matches no event type"),
        (toml_key("crm", CRM, ["account."], "colour = 1"), "keys[0].colour: unknown field"),
        (toml_key("a", CRM, ["account."]) + toml_key("b", CRM, ["ticket."]), "configured twice"),
        (toml_key("a", CRM, ["usage."], 'signing_secret_env = "UNSET_VAR"'), "UNSET_VAR"),
        (toml_key("a", CRM, ["usage."], 'signing_secret_env = "9bad"'), "signing_secret_env"),
    ],
)
def test_invalid_configuration_is_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(KeyConfigError) as raised:
        load_keyring(settings(api_keys=text), environ={})
    assert message in str(raised.value)


def test_an_unreadable_file_names_the_variable_and_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "absent.toml"
    with pytest.raises(KeyConfigError, match=f"RADAR_INGEST_API_KEYS_FILE: cannot read {missing}"):
        load_keyring(settings(api_keys_file=missing), environ={})


def test_create_app_refuses_to_start_without_keys() -> None:
    from radar_ingest.main import create_app

    with pytest.raises(KeyConfigError, match="no API keys configured"):
        create_app(settings())


def test_an_entry_may_set_its_quota_and_others_get_the_default() -> None:
    text = json.dumps(
        [
            {"source": "crm", "sha256": CRM, "allow": ["account."], "rate_per_second": 5},
            {"source": "desk", "sha256": DESK, "allow": ["ticket."]},
        ]
    )
    keyring = load_keyring(settings(api_keys=text, default_rate_per_second=99.0), environ={})
    crm, desk = keyring.keys
    assert (crm.quota.rate, crm.quota.burst) == (5.0, settings().default_burst)
    assert desk.quota.rate == 99.0


def test_the_key_store_reloads_a_changed_file_and_keeps_the_old_keys_on_errors(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "keys.toml"
    path.write_text(toml_key("crm", CRM, ["account."]))
    configured = settings(api_keys_file=path)
    store = KeyStore(configured, load_keyring(configured, environ={}), environ={})
    assert not store.file_changed()

    path.write_text(toml_key("desk", DESK, ["ticket."]))  # crm revoked, desk added
    assert store.file_changed()
    assert store.reload() is True
    assert store.authenticate("rr_desk") is not None
    assert store.authenticate("rr_crm") is None
    assert not store.file_changed()

    path.write_text("[[keys]]\nsource = 'broken")
    assert store.reload() is False
    assert store.authenticate("rr_desk") is not None
    assert "API keys not reloaded, the previous keys stay in force" in caplog.text
