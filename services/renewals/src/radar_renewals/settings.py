"""Settings of the renewals service (environment prefix RADAR_RENEWALS_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from radar_runtime import RuntimeSettings


class RenewalsSettings(RuntimeSettings):
    model_config = SettingsConfigDict(
        env_prefix="RADAR_RENEWALS_", extra="ignore", populate_by_name=True
    )

    service_name: str = "renewals"
    db_schema: str = "renewals"
    port: int = 8003

    # The user's rule file, laid over the shipped defaults.toml (None: defaults only).
    # Read from RADAR_RENEWALS_CONFIG_PATH, the name deployments already use.
    rules_path: Path | None = Field(
        None, validation_alias=AliasChoices("rules_path", "RADAR_RENEWALS_CONFIG_PATH")
    )
    # A calibration written by `radar-renewals-backtest --fit`, laid over the rule file.
    calibration_path: Path | None = None
    # How often the transitions job looks for terms not yet evaluated today. It does
    # real work once per day (per term); checking hourly bounds how late it can be.
    transitions_check_seconds: float = Field(3600, gt=0)
    # Subscriptions re-derived per transaction by the transitions job.
    transitions_chunk: int = Field(1000, ge=1)
    # A batch re-derives each subscription it touches once, however many of its events
    # it holds: larger batches than the runtime's default coalesce more of a backlog's
    # repeated touches (measured: 3,200 → 5,400 CRM updates/s from 2,000 to 5,000).
    batch_max_records: int = Field(5000, ge=1)
    # Gauges (terms per state, ARR at risk) are recounted this often.
    metrics_refresh_seconds: float = Field(15, gt=0)
    # Pending term-total changes are folded into the totals this often (readers add
    # what is still pending, so this sets their cost, never their figures).
    totals_fold_seconds: float = Field(2, gt=0)
    # Python's cyclic collector runs after this many new container objects (its default,
    # 700, makes it run hundreds of times per batch here); 0 leaves the default.
    gc_threshold: int = Field(50_000, ge=0)
