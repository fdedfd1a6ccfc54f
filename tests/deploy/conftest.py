"""Fixtures for the deployment checks: the repository's deploy files and what the
services really are (settings classes, ports, environment variables)."""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices, AliasPath

from radar_runtime import RuntimeSettings

ROOT = Path(__file__).resolve().parents[2]
SERVICE_NAMES = ("ingest", "health", "renewals", "notifier")
# Secrets read from the environment outside the settings class (the notifier's Slack webhooks).
EXTRA_ENV_PREFIXES = {"notifier": ("RADAR_NOTIFIER_SLACK_WEBHOOK_",)}


@dataclass(frozen=True)
class Service:
    name: str
    settings_cls: type[RuntimeSettings]

    @property
    def prefix(self) -> str:
        return str(self.settings_cls.model_config.get("env_prefix", "")).upper()

    @property
    def port(self) -> int:
        return int(self.settings_cls.model_fields["port"].default)

    def env_names(self) -> set[str]:
        """Every variable name the settings class reads, upper-cased: prefix + field
        name, and for shared fields their unprefixed aliases."""
        names: set[str] = set()
        for field_name, field in self.settings_cls.model_fields.items():
            names.add(f"{self.prefix}{field_name}".upper())
            alias = field.validation_alias
            choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
            for choice in choices:
                if isinstance(choice, str):
                    names.add(choice.upper())
                elif isinstance(choice, AliasPath) and isinstance(choice.path[0], str):
                    names.add(choice.path[0].upper())
        return names

    def unknown_env(self, names: Iterable[str]) -> list[str]:
        """The names with this service's prefix (or another service's) that it does not read."""
        known = self.env_names()
        extra = EXTRA_ENV_PREFIXES.get(self.name, ())
        unknown = []
        for name in names:
            upper = name.upper()
            if not upper.startswith("RADAR_") or upper.startswith(extra):
                continue
            if upper not in known:
                unknown.append(name)
        return sorted(unknown)

    def settings_from(
        self, environ: Mapping[str, str], monkeypatch: pytest.MonkeyPatch
    ) -> RuntimeSettings:
        """The settings the service would build from exactly `environ`."""
        for name in list(os.environ):
            upper = name.upper()
            if upper.startswith("RADAR_") or upper in self.env_names():
                monkeypatch.delenv(name)
        for name, value in environ.items():
            monkeypatch.setenv(name, str(value))
        return self.settings_cls()


def _settings_class(name: str) -> type[RuntimeSettings]:
    module = importlib.import_module(f"radar_{name}.settings")
    classes = [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, RuntimeSettings)
        and obj is not RuntimeSettings
        and obj.__module__ == module.__name__
    ]
    assert len(classes) == 1, f"radar_{name}.settings should define one settings class"
    return classes[0]


@pytest.fixture(scope="session")
def repo() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def services() -> list[Service]:
    return [Service(name, _settings_class(name)) for name in SERVICE_NAMES]


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    with open(ROOT / "docker-compose.yml", encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="session")
def k8s_docs() -> list[dict[str, Any]]:
    """Every Kubernetes object in deploy/k8s/*.yaml (the Secret template included)."""
    docs: list[dict[str, Any]] = []
    for path in sorted((ROOT / "deploy/k8s").glob("*.yaml")):
        with open(path, encoding="utf-8") as handle:
            for doc in yaml.safe_load_all(handle):
                if doc:
                    assert "kind" in doc, f"{path.name}: a document without kind"
                    docs.append({**doc, "__file__": path.name})
    return docs
