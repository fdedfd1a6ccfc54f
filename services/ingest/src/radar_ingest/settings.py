"""Settings of the ingest service (environment prefix RADAR_INGEST_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
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

    max_body_bytes: int = Field(MIB, ge=1024)
    max_batch_events: int = Field(1000, ge=1)
    max_future_seconds: float = Field(300.0, ge=0)
    signature_tolerance_seconds: int = Field(300, ge=1)
    # Longest wait for the broker's acknowledgement before answering 503.
    publish_timeout_seconds: float = Field(5.0, gt=0)
    retry_after_seconds: int = Field(5, ge=1)
    # A request waits for its acknowledgement, so lingering only adds latency; batches
    # still form while earlier produce requests are in flight.
    producer_linger_ms: int = Field(0, ge=0)
