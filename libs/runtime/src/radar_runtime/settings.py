"""Settings shared by every service; each service subclasses with its own env prefix."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _shared(name: str) -> AliasChoices:
    # Shared fields are read from unprefixed variables (KAFKA_BOOTSTRAP_SERVERS, ...),
    # so one environment configures all services.
    return AliasChoices(name, name.upper())


class RuntimeSettings(BaseSettings):
    """Fields every service has. Subclasses set `env_prefix` (e.g. `RADAR_HEALTH_`)."""

    model_config = SettingsConfigDict(env_prefix="RADAR_", extra="ignore", populate_by_name=True)

    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", validation_alias=_shared("kafka_bootstrap_servers")
    )
    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
        validation_alias=_shared("database_url"),
    )
    log_level: str = Field("INFO", validation_alias=_shared("log_level"))
    # Off only for brokers without idempotent producers (the Tansu demo fallback).
    kafka_idempotent_producer: bool = Field(
        True, validation_alias=_shared("kafka_idempotent_producer")
    )

    # Access control, shared by every service (see radar_runtime/auth). Without an
    # issuer only API tokens (radar-tokens) are accepted.
    oidc_issuer: str = Field("", validation_alias=_shared("radar_oidc_issuer"))
    oidc_audience: str = Field("renewal-radar", validation_alias=_shared("radar_oidc_audience"))
    oidc_algorithms: list[str] = Field(
        ["RS256", "PS256", "ES256", "EdDSA"], validation_alias=_shared("radar_oidc_algorithms")
    )
    oidc_leeway_seconds: int = Field(
        60, ge=0, validation_alias=_shared("radar_oidc_leeway_seconds")
    )
    oidc_jwks_refresh_seconds: float = Field(
        30.0, ge=0, validation_alias=_shared("radar_oidc_jwks_refresh_seconds")
    )
    access_rules_path: Path | None = Field(
        None, validation_alias=_shared("radar_access_rules_path")
    )
    # The API-token registry's schema (shared by the services, like the broker) and,
    # when it lives elsewhere, its database.
    auth_schema: str = Field("radar_auth", validation_alias=_shared("radar_auth_schema"))
    auth_database_url: str = Field("", validation_alias=_shared("radar_auth_database_url"))
    # Empty: /metrics is open (Prometheus on a private network); else a bearer token.
    metrics_token: SecretStr | None = Field(None, validation_alias=_shared("radar_metrics_token"))

    service_name: str = "radar"
    db_schema: str = "radar"
    consumer_group: str = ""
    # Prepended to every topic name: tests isolate themselves with it, and so can
    # several installations sharing one cluster.
    topic_prefix: str = ""
    create_topics: bool = True
    raw_topic_partitions: int = Field(12, ge=1)
    derived_topic_partitions: int = Field(6, ge=1)
    replication_factor: int = Field(1, ge=1)
    kafka_compression: str = "lz4"

    batch_max_records: int = Field(2000, ge=1)
    batch_timeout_ms: int = Field(200, ge=1)
    handler_retries: int = Field(3, ge=0)
    retry_backoff_seconds: float = Field(0.1, gt=0)
    outbox_poll_seconds: float = Field(0.5, gt=0)
    scheduler_tick_seconds: float = Field(5.0, gt=0)
    db_pool_size: int = Field(10, ge=1)

    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def group_id(self) -> str:
        return self.consumer_group or f"radar-{self.service_name}"

    def topic(self, logical: str) -> str:
        """The physical topic name for a logical one from `radar_schemas.topics`."""
        return f"{self.topic_prefix}{logical}"
