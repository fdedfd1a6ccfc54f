"""The parts of the ingest service, built once by `bootstrap` and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass

from radar_runtime import Runtime

from .domain.admission import Admission
from .domain.identities import Directory
from .domain.quotas import Quotas
from .keys import KeyStore
from .settings import IngestSettings
from .store.broker import Publisher
from .store.identities import IdentityLog


@dataclass(frozen=True)
class IngestParts:
    settings: IngestSettings
    runtime: Runtime
    # The API keys of the sources, reloaded when their file changes; none accepted
    # until create_app loads them.
    keys: KeyStore
    quotas: Quotas
    admission: Admission
    publisher: Publisher
    # Who belongs to which account, from Segment group and alias calls.
    directory: Directory
    identities: IdentityLog
