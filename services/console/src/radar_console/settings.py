"""Settings of the console service (environment prefix RADAR_CONSOLE_).

The console owns no customer data: it reads and changes it through the health,
renewals and notifier APIs with the signed-in person's own credential.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from radar_runtime import RuntimeSettings


class ConsoleSettings(RuntimeSettings):
    model_config = SettingsConfigDict(
        env_prefix="RADAR_CONSOLE_", extra="ignore", populate_by_name=True
    )

    service_name: str = "console"
    db_schema: str = "console"
    port: int = 8005

    health_url: str = Field("http://127.0.0.1:8002", pattern=r"^https?://[^\s]+$")
    renewals_url: str = Field("http://127.0.0.1:8003", pattern=r"^https?://[^\s]+$")
    notifier_url: str = Field("http://127.0.0.1:8004", pattern=r"^https?://[^\s]+$")
    # Where browsers reach the console; the OIDC redirect URI is built from it.
    public_url: str = Field("http://127.0.0.1:8005", pattern=r"^https?://[^\s]+$")
    # The client the console is registered as at the identity provider (the issuer
    # itself is the shared RADAR_OIDC_ISSUER); its ID tokens carry this audience.
    oidc_client_id: str = "renewal-radar"
    oidc_client_secret: str = ""
    # Session cookies are Secure unless this is off (plain-HTTP loopback demo only).
    secure_cookies: bool = True
    session_hours: float = Field(12.0, gt=0)
    # A JSON file of demo users and their API tokens, written by `radar up --demo`;
    # they are offered on the sign-in page when set.
    demo_users_path: Path | None = None
    # How often the pages refresh their data in place.
    live_seconds: float = Field(5.0, gt=0)
    # Links to the local Slack sink and email catcher, shown when the demo runs.
    demo_slack_url: str | None = None
    demo_mail_url: str | None = None
    api_timeout_seconds: float = Field(10.0, gt=0)
