"""The catalog of event types ingest accepts, for senders and their tools."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ..domain.catalog import event_type_catalog
from .models import EventType

router = APIRouter(prefix="/v1", tags=["catalog"])


@router.get("/event-types", response_model=list[EventType])
async def event_types() -> JSONResponse:
    """The event types ingest accepts, each with its JSON Schema and an example."""
    return JSONResponse(event_type_catalog())
