"""Settings of the notifier service (environment prefix RADAR_NOTIFIER_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from radar_runtime import RuntimeSettings


class NotifierSettings(RuntimeSettings):
    model_config = SettingsConfigDict(
        env_prefix="RADAR_NOTIFIER_", extra="ignore", populate_by_name=True
    )

    service_name: str = "notifier"
    db_schema: str = "notifier"
    port: int = 8004
