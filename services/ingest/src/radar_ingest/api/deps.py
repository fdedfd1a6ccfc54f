"""What every ingest route needs: the service's parts (one async dependency), the caller's
key with the body it sent, and the key's quota."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from radar_runtime import parts

from ..domain.auth import (
    SIGNATURE_HEADER,
    ApiKey,
    SignatureError,
    credentials_from,
    verify_signature,
)
from ..domain.errors import ClientError
from ..domain.quotas import retry_after_header
from ..metrics import THROTTLED
from ..parts import IngestParts
from .body import decode_body, read_body

Ingest = Annotated[IngestParts, Depends(parts)]


def unauthorized(reason: str, scheme: str, field: str = "Authorization") -> ClientError:
    return ClientError(
        401,
        reason,
        [{"field": field, "reason": reason}],
        headers={"WWW-Authenticate": scheme},
    )


def key_of(ingest: IngestParts, presented: str, scheme: str) -> ApiKey:
    key = ingest.keys.authenticate(presented)
    if key is None:
        raise unauthorized("unknown API key", scheme)
    return key


async def authenticated_body(
    request: Request, ingest: IngestParts
) -> tuple[ApiKey, bytes, datetime]:
    """The caller's Bearer key, the body (signature checked when the key requires one),
    and now. The key is checked before a byte of the body is read: an unknown caller
    costs nothing."""
    presented = credentials_from(request.headers.get("authorization"))
    if presented is None:
        raise unauthorized("missing API key: send Authorization: Bearer <key>", "Bearer")
    key = key_of(ingest, presented, "Bearer")
    raw, now = await raw_body(request, ingest, ingest.settings.max_body_bytes)
    check_signature(request, ingest, key, raw, now, "Bearer")
    return (
        key,
        decode_body(raw, request.headers.get("content-encoding"), ingest.settings.max_body_bytes),
        now,
    )


async def raw_body(request: Request, ingest: IngestParts, limit: int) -> tuple[bytes, datetime]:
    raw = await read_body(request, limit)
    return raw, ingest.runtime.clock.now()


def check_signature(
    request: Request, ingest: IngestParts, key: ApiKey, raw: bytes, now: datetime, scheme: str
) -> None:
    if key.signing_secret is None:
        return
    try:
        verify_signature(
            request.headers.get("x-radar-signature"),
            raw,
            key.signing_secret,
            now=now.timestamp(),
            tolerance=ingest.settings.signature_tolerance_seconds,
        )
    except SignatureError as exc:
        raise unauthorized(str(exc), scheme, SIGNATURE_HEADER) from None


def charge(ingest: IngestParts, key: ApiKey, events: int) -> None:
    """Take `events` from the key's quota, or answer 429 with when to retry."""
    wait = ingest.quotas.take(key.sha256, key.quota, events, time.monotonic())
    if wait is None:
        return
    THROTTLED.labels(key.source).inc(events)
    quota = key.quota
    reason = (
        f"source {key.source!r} is over its quota of {quota.rate:g} events/s "
        f"(bursts up to {quota.burst:g}); nothing was stored, retry after {wait:.1f} s"
    )
    raise ClientError(
        429,
        reason,
        [{"field": "Authorization", "reason": reason}],
        headers={"Retry-After": retry_after_header(wait)},
    )
