"""Settings of the notifier service (environment prefix RADAR_NOTIFIER_).

Routing and fatigue rules live in the rule file (`rules_path`, see defaults.toml);
these are process settings. Secrets (the SMTP password, Slack webhook URLs) come
from the environment only: webhook URLs from RADAR_NOTIFIER_SLACK_WEBHOOK_<CHANNEL>.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from radar_runtime import RuntimeSettings


class NotifierSettings(RuntimeSettings):
    model_config = SettingsConfigDict(
        env_prefix="RADAR_NOTIFIER_", extra="ignore", populate_by_name=True
    )

    service_name: str = "notifier"
    db_schema: str = "notifier"
    port: int = 8004

    # The user's rule file (TOML), laid over the packaged defaults.toml; None uses
    # the defaults alone. Read from RADAR_NOTIFIER_CONFIG_PATH.
    rules_path: Path | None = Field(
        None, validation_alias=AliasChoices("rules_path", "RADAR_NOTIFIER_CONFIG_PATH")
    )

    # Webhooks go to the hosts the rule file allows (hooks.slack.com by default);
    # loopback is added only when this is set, for tests and the local demo sink.
    allow_loopback_webhooks: bool = False
    slack_timeout_seconds: float = Field(10.0, gt=0)
    # The signing secret of the Slack app the webhooks belong to: with it, Slack
    # messages carry buttons and POST /v1/slack/interactions takes their clicks.
    slack_signing_secret: SecretStr | None = None

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "Renewal Radar <radar@localhost>"
    smtp_starttls: bool = False
    smtp_validate_certs: bool = True
    smtp_timeout_seconds: float = Field(10.0, gt=0)
    # SMTP connections kept open and reused for the next messages.
    smtp_connections: int = Field(8, ge=1, le=64)

    # Where people's browsers reach this notifier (e.g. https://radar.example.com/notifier)
    # and the secret email action links are signed with (at least 32 characters):
    # with both, emails carry links to acknowledge, snooze or judge each alert.
    public_url: str | None = Field(None, pattern=r"^https?://[^\s]+$")
    action_link_secret: SecretStr | None = Field(None, min_length=32)

    # The console's base URL: messages link to its pages (an account, the open
    # alerts) when set, and have no such links otherwise.
    console_url: str | None = Field(None, pattern=r"^https?://[^\s]+$")

    # The delivery worker wakes when the projection commits new notices, and at
    # least this often, to flush digests whose group_wait ran out and retry sends.
    worker_poll_seconds: float = Field(1.0, gt=0)
    send_batch_size: int = Field(200, ge=1)
    send_concurrency: int = Field(32, ge=1)
    # Sent deliveries older than this are purged; failed ones are always kept.
    sent_retention_days: int = Field(30, ge=1)
