"""Settings of the health service (environment prefix RADAR_HEALTH_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from radar_runtime import RuntimeSettings


class HealthSettings(RuntimeSettings):
    model_config = SettingsConfigDict(
        env_prefix="RADAR_HEALTH_", extra="ignore", populate_by_name=True
    )

    service_name: str = "health"
    db_schema: str = "health"
    port: int = 8002

    # The user's rule file (scorecards, alert rules), laid over the shipped defaults;
    # read from RADAR_HEALTH_CONFIG_PATH, the name deployments know it by.
    rules_path: Path | None = Field(None, validation_alias="RADAR_HEALTH_CONFIG_PATH")
    # Usage-only changes are recomputed by a worker at most this often (wall time), so
    # a usage change shows in the score within about this long plus one recompute pass.
    usage_recompute_seconds: float = Field(5.0, gt=0)
    # Accounts recomputed per transaction by the worker and the scheduled recompute.
    recompute_chunk_size: int = Field(1000, ge=1, le=10_000)
    # Accounts whose history is replayed by event time per transaction (a year of history
    # is ~365 points and their events per account).
    history_replay_chunk_size: int = Field(20, ge=1, le=1000)
    # Chunks the scheduled recompute works on at once (overlapping SQL and Python).
    recompute_parallel_chunks: int = Field(2, ge=1, le=8)
    # Engagement recency worsens without events: every account is recomputed this often.
    scheduled_recompute_hours: float = Field(24.0, gt=0)
    history_retention_days: int = Field(400, ge=31)
    usage_retention_days: int = Field(400, ge=61)
    # How often the radar_health_accounts{band} gauge is re-counted from the database.
    band_gauge_seconds: float = Field(15.0, gt=0)
