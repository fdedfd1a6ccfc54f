"""Settings of the ingest service (environment prefix RADAR_INGEST_)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pydantic import AwareDatetime, Field
from pydantic_settings import SettingsConfigDict

from radar_runtime import RuntimeSettings

MIB = 1024 * 1024


class IngestSettings(RuntimeSettings):
    model_config = SettingsConfigDict(
        env_prefix="RADAR_INGEST_", extra="ignore", populate_by_name=True
    )

    service_name: str = "ingest"
    db_schema: str = "ingest"
    port: int = 8001

    # API keys (see keys.py / README): a TOML file, and/or inline TOML or JSON text
    # for deployments that inject configuration through the environment. Both merge.
    api_keys_file: Path | None = None
    api_keys: str | None = None

    # A changed key file is read again within this many seconds (and at once on SIGHUP).
    api_keys_reload_seconds: float = Field(2.0, gt=0)
    # Each key's quota unless its entry sets one: far above what one process can take,
    # so only keys given a lower rate are ever throttled.
    default_rate_per_second: float = Field(250_000.0, gt=0)
    default_burst: float = Field(500_000.0, ge=1)

    max_body_bytes: int = Field(MIB, ge=1024)
    # The Segment-compatible API: Segment's and RudderStack's limits per message, and per
    # batch Segment's under /v1/segment, RudderStack's at the root where its SDKs post.
    sdk_max_message_bytes: int = Field(32 * 1024, ge=1024)
    segment_max_batch_bytes: int = Field(500 * 1024, ge=1024)
    rudderstack_max_batch_bytes: int = Field(4 * MIB, ge=1024)
    max_batch_events: int = Field(1000, ge=1)
    # occurred_at must fall between these: older is a sender's mistake, not history.
    earliest_occurred_at: AwareDatetime = datetime(1990, 1, 1, tzinfo=UTC)
    max_future_seconds: float = Field(300.0, ge=0)
    signature_tolerance_seconds: int = Field(300, ge=1)
    # Longest wait for the broker's acknowledgement before answering 503.
    publish_timeout_seconds: float = Field(5.0, gt=0)
    retry_after_seconds: int = Field(5, ge=1)
    # A request waits for its acknowledgement, so lingering only adds latency; batches
    # still form while earlier produce requests are in flight.
    producer_linger_ms: int = Field(0, ge=0)
