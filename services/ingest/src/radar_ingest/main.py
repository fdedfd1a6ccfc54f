"""The ingest service process: its parts, what it declares, its app and its entry point."""

from __future__ import annotations

import gc
import sys

from fastapi import FastAPI

from radar_runtime import Clock, Runtime, ServiceSpec, build_app, serve
from radar_schemas.topics import topic_for

from .api import catalog, events, segment
from .api.docs import install_openapi
from .api.errors import install_error_handlers
from .api.timing import RequestTimer
from .domain.admission import Admission
from .domain.auth import Keyring
from .domain.catalog import INGEST_TYPES
from .domain.identities import Directory
from .domain.quotas import Quotas
from .keys import KeyConfigError, KeyStore, load_keyring
from .parts import IngestParts
from .settings import IngestSettings
from .store.broker import Publisher
from .store.identities import IdentityLog
from .work.key_reload import KeyReloader

DESCRIPTION = """Source systems post events here. A 202 means the event is stored by the
broker (acks=all) and will be processed; retry on 503 with the same `event_id`
(duplicates are dropped downstream). Authenticate with `Authorization: Bearer <API key>`."""


def bootstrap(
    settings: IngestSettings, clock: Clock | None = None, *, keyring: Keyring | None = None
) -> IngestParts:
    """The service's parts. Without a `keyring` no key is accepted: enough to declare the
    service, while `create_app` loads the configured keys and refuses to start without."""
    runtime = Runtime(settings, clock)
    directory = Directory()
    return IngestParts(
        settings=settings,
        runtime=runtime,
        keys=KeyStore(settings, keyring if keyring is not None else Keyring(())),
        quotas=Quotas(),
        admission=Admission(
            {event_type: settings.topic(topic_for(event_type)) for event_type in INGEST_TYPES},
            max_future_seconds=settings.max_future_seconds,
            max_batch_events=settings.max_batch_events,
            earliest_occurred_at=settings.earliest_occurred_at,
        ),
        publisher=Publisher(runtime, settings.publish_timeout_seconds),
        directory=directory,
        identities=IdentityLog(settings, directory),
    )


def spec(parts: IngestParts) -> ServiceSpec:
    # Consumes nothing; emits every type it accepts, straight to the raw topics.
    return ServiceSpec(
        name="ingest",
        uses_database=False,
        emits=INGEST_TYPES,
        routers=[events.router, catalog.router, segment.router],
        workers=[
            parts.identities,
            KeyReloader(parts.keys, parts.settings.api_keys_reload_seconds),
        ],
        producer_options={"linger_ms": parts.settings.producer_linger_ms},
    )


def create_app(settings: IngestSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """Raises KeyConfigError when the API key configuration is missing or invalid."""
    settings = settings or IngestSettings()
    parts = bootstrap(settings, clock, keyring=load_keyring(settings))
    app = build_app(
        spec(parts),
        parts.runtime,
        parts=parts,
        title="Renewal Radar ingest",
        description=DESCRIPTION,
    )
    install_error_handlers(app, retry_after_seconds=settings.retry_after_seconds)
    install_openapi(app)
    app.add_middleware(RequestTimer)
    return app


def main() -> None:
    settings = IngestSettings()
    try:
        app = create_app(settings)
    except KeyConfigError as exc:
        print(f"radar-ingest: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    # Everything built so far (schemas, validators, the app) lives as long as the
    # process: frozen, it is never rescanned, which keeps full collections short.
    gc.collect()
    gc.freeze()
    # A batch allocates some 20 objects per event, nearly all freed by reference
    # counting; collecting every 700 allocations cost ~15 % of the CPU per event.
    gc.set_threshold(50_000, 20, 20)
    serve(app, settings)
