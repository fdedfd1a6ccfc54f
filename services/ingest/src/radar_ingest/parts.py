"""The parts of the ingest service, built once by `bootstrap` and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass

from radar_runtime import Runtime

from .domain.admission import Admission
from .domain.auth import Keyring
from .settings import IngestSettings
from .store.broker import Publisher


@dataclass(frozen=True)
class IngestParts:
    settings: IngestSettings
    runtime: Runtime
    # The API keys of the sources; empty (no key accepted) until create_app loads them.
    keyring: Keyring
    admission: Admission
    publisher: Publisher
