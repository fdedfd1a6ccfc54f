"""Settings of the health service (environment prefix RADAR_HEALTH_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from radar_runtime import RuntimeSettings


class HealthSettings(RuntimeSettings):
    model_config = SettingsConfigDict(
        env_prefix="RADAR_HEALTH_", extra="ignore", populate_by_name=True
    )

    service_name: str = "health"
    db_schema: str = "health"
    port: int = 8002
