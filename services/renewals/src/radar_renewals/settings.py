"""Settings of the renewals service (environment prefix RADAR_RENEWALS_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from radar_runtime import RuntimeSettings


class RenewalsSettings(RuntimeSettings):
    model_config = SettingsConfigDict(
        env_prefix="RADAR_RENEWALS_", extra="ignore", populate_by_name=True
    )

    service_name: str = "renewals"
    db_schema: str = "renewals"
    port: int = 8003
