"""The ingest service process."""

from __future__ import annotations

import gc
import sys

from fastapi import FastAPI

from radar_runtime import Clock, Runtime, ServiceSpec, build_app, serve
from radar_schemas import RAW_TOPICS
from radar_schemas.topics import types_of

from . import api, segment_api
from .deps import Ingest
from .docs import install_openapi
from .errors import install_error_handlers
from .intake import Intake
from .keyconfig import KeyConfigError, load_keyring
from .publisher import Publisher
from .settings import IngestSettings
from .timing import RequestTimer

DESCRIPTION = """Source systems post events here. A 202 means the event is stored by the
broker (acks=all) and will be processed; retry on 503 with the same `event_id`
(duplicates are dropped downstream). Authenticate with `Authorization: Bearer <API key>`."""


def create_app(settings: IngestSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """Raises KeyConfigError when the API key configuration is missing or invalid."""
    settings = settings or IngestSettings()
    keyring = load_keyring(settings)
    runtime = Runtime(settings, clock)
    spec = ServiceSpec(
        name="ingest",
        uses_database=False,
        emits=types_of(*RAW_TOPICS),
        routers=[api.router, segment_api.router],
        producer_options={"linger_ms": settings.producer_linger_ms},
    )
    app = build_app(spec, runtime, title="Renewal Radar ingest", description=DESCRIPTION)
    publisher = Publisher(runtime, settings.publish_timeout_seconds)
    runtime.state["ingest"] = Ingest(settings, keyring, Intake(settings), publisher)
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
