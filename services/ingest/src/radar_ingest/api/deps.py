"""What every ingest route needs: the service's parts (one async dependency), and the
caller's key with the body it sent."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from radar_runtime import parts

from ..domain.auth import ApiKey, SignatureError, credentials_from, verify_signature
from ..domain.errors import ClientError
from ..parts import IngestParts
from .body import decode_body, read_body

Ingest = Annotated[IngestParts, Depends(parts)]


def unauthorized(reason: str, scheme: str) -> ClientError:
    return ClientError(401, reason, headers={"WWW-Authenticate": scheme})


async def authenticated_body(
    request: Request, ingest: IngestParts, *, segment: bool = False
) -> tuple[ApiKey, bytes, datetime]:
    """The caller's key, the body (signature checked when the key requires one), and now.

    The key is checked before a byte of the body is read: an unknown caller costs nothing.
    """
    scheme = 'Basic realm="segment"' if segment else "Bearer"
    presented = credentials_from(request.headers.get("authorization"), allow_basic=segment)
    if presented is None:
        how = "Basic auth with the API key as user name, or Bearer" if segment else "Bearer"
        raise unauthorized(f"missing API key: send Authorization: {how}", scheme)
    key = ingest.keyring.authenticate(presented)
    if key is None:
        raise unauthorized("unknown API key", scheme)
    limit = ingest.settings.max_body_bytes
    raw = await read_body(request, limit)
    now = ingest.runtime.clock.now()
    if key.signing_secret is not None:
        try:
            verify_signature(
                request.headers.get("x-radar-signature"),
                raw,
                key.signing_secret,
                now=now.timestamp(),
                tolerance=ingest.settings.signature_tolerance_seconds,
            )
        except SignatureError as exc:
            raise unauthorized(str(exc), scheme) from None
    return key, decode_body(raw, request.headers.get("content-encoding"), limit), now
