"""The API key file: its model, and loading and validating it at start-up.

Format (TOML; the inline variable also takes the same structure as JSON):

    [[keys]]
    source = "crm"                      # written into every event's `source`
    sha256 = "<64 hex>"                 # SHA-256 of the key; the key itself is never stored
    allow = ["account.", "subscription."]   # event-type prefixes this key may send
    signing_secret_env = "CRM_SIGNING_SECRET"   # optional: requests must be signed
    rate_per_second = 500               # optional quota: events per second ...
    burst = 2000                        # ... and at once after a pause

The file is read again when it changes and on SIGHUP (`KeyStore.reload`): new keys work
and removed keys stop within seconds; a file that does not validate keeps the keys in
force and logs why.

Keys come from the file named by RADAR_INGEST_API_KEYS_FILE and from the text in
RADAR_INGEST_API_KEYS; both may be set and their keys are merged.
"""

from __future__ import annotations

import json
import logging
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from radar_schemas import describe_errors

from .domain.auth import ApiKey, Keyring
from .domain.catalog import INGEST_TYPES
from .domain.quotas import Quota
from .settings import IngestSettings

log = logging.getLogger(__name__)

SOURCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"

FILE_VARIABLE = "RADAR_INGEST_API_KEYS_FILE"
INLINE_VARIABLE = "RADAR_INGEST_API_KEYS"
_HINT = "make a key with `radar-ingest-keys new --source <name> --allow <type prefix>`"


class KeyConfigError(Exception):
    """The key configuration cannot be used; the message says where and why."""


class KeyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Annotated[str, StringConstraints(pattern=SOURCE_PATTERN)]
    sha256: Annotated[str, StringConstraints(pattern=SHA256_PATTERN)]
    allow: list[Annotated[str, StringConstraints(min_length=1)]] = Field(min_length=1)
    signing_secret_env: Annotated[str, StringConstraints(pattern=ENV_NAME_PATTERN)] | None = None
    rate_per_second: float | None = Field(None, gt=0)
    burst: float | None = Field(None, ge=1)


class KeyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keys: list[KeyEntry] = Field(default_factory=list)


def load_keyring(settings: IngestSettings, environ: Mapping[str, str] | None = None) -> Keyring:
    """Read, validate and merge every configured key; raise `KeyConfigError` otherwise."""
    environ = os.environ if environ is None else environ
    entries: list[tuple[str, KeyEntry]] = []
    if settings.api_keys_file is not None:
        origin = f"{FILE_VARIABLE}={settings.api_keys_file}"
        entries += [(origin, e) for e in _parse(_read(settings.api_keys_file), origin).keys]
    if settings.api_keys and settings.api_keys.strip():
        entries += [(INLINE_VARIABLE, e) for e in _parse(settings.api_keys, INLINE_VARIABLE).keys]
    if not entries:
        raise KeyConfigError(
            f"no API keys configured: set {FILE_VARIABLE} (a TOML file) or {INLINE_VARIABLE} "
            f"(TOML or JSON text); {_HINT}"
        )
    keys: list[ApiKey] = []
    seen: set[str] = set()
    for index, (origin, entry) in enumerate(entries):
        where = f"{origin}: key {index + 1} (source {entry.source!r})"
        if entry.sha256 in seen:
            raise KeyConfigError(f"{where}: the same sha256 is configured twice")
        seen.add(entry.sha256)
        for prefix in entry.allow:
            if not any(t.startswith(prefix) for t in INGEST_TYPES):
                raise KeyConfigError(
                    f"{where}: allow prefix {prefix!r} matches no event type; "
                    f"types: {', '.join(INGEST_TYPES)}"
                )
        keys.append(
            ApiKey(
                source=entry.source,
                sha256=entry.sha256,
                allow=tuple(entry.allow),
                signing_secret=_secret(entry, environ, where),
                quota=Quota(
                    rate=entry.rate_per_second or settings.default_rate_per_second,
                    burst=entry.burst or settings.default_burst,
                ),
            )
        )
    return Keyring(keys)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyConfigError(f"{FILE_VARIABLE}: cannot read {path}: {exc.strerror}") from None


def _parse(text: str, origin: str) -> KeyFile:
    try:
        data = _load_text(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise KeyConfigError(f"{origin}: neither valid TOML nor JSON: {exc}") from None
    if isinstance(data, list):
        data = {"keys": data}
    try:
        return KeyFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{e['field']}: {e['reason']}" for e in describe_errors(exc))
        raise KeyConfigError(f"{origin}: {problems} ({_HINT})") from None


def _load_text(text: str) -> object:
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError:
            pass  # `[[keys]]` is TOML too
    return tomllib.loads(text)


def _secret(entry: KeyEntry, environ: Mapping[str, str], where: str) -> bytes | None:
    if entry.signing_secret_env is None:
        return None
    secret = environ.get(entry.signing_secret_env, "")
    if not secret:
        raise KeyConfigError(
            f"{where}: signing_secret_env names {entry.signing_secret_env}, "
            "which is not set or empty in the environment"
        )
    return secret.encode()


class KeyStore:
    """The keys in force. `reload` replaces them whole, or keeps them when the new
    configuration does not validate: a typo in the file never locks every sender out."""

    def __init__(
        self, settings: IngestSettings, keyring: Keyring, environ: Mapping[str, str] | None = None
    ) -> None:
        self.settings = settings
        self.keyring = keyring
        self._environ = environ
        self._seen = self._file_state()

    def authenticate(self, presented: str) -> ApiKey | None:
        return self.keyring.authenticate(presented)

    def file_changed(self) -> bool:
        return self._file_state() != self._seen

    def reload(self) -> bool:
        """Read the configuration again; True when the new keys are in force."""
        self._seen = self._file_state()
        try:
            keyring = load_keyring(self.settings, self._environ)
        except KeyConfigError as exc:
            log.error("API keys not reloaded, the previous keys stay in force: %s", exc)
            return False
        self.keyring = keyring
        log.info("API keys reloaded: %d keys", len(keyring.keys))
        return True

    def _file_state(self) -> tuple[float, int, int] | None:
        path = self.settings.api_keys_file
        if path is None:
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        return (stat.st_mtime, stat.st_size, stat.st_ino)
