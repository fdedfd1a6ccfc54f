"""The services as `radar up` runs them: fixed local ports, one process each."""

from __future__ import annotations

import os
from dataclasses import dataclass

# Where the console (the web app) listens locally; messages link to its pages.
# RADAR_CONSOLE_URL points them elsewhere.
CONSOLE_PORT = 8005


def console_url() -> str:
    return os.environ.get("RADAR_CONSOLE_URL", f"http://127.0.0.1:{CONSOLE_PORT}")


@dataclass(frozen=True)
class ServiceProcess:
    name: str
    port: int
    # Pages worth printing besides /docs and /metrics.
    pages: tuple[tuple[str, str], ...] = ()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def module(self) -> str:
        return f"radar_{self.name}"


SERVICES = (
    ServiceProcess("ingest", 8001, (("event catalog", "/v1/event-types"),)),
    ServiceProcess("health", 8002, (("accounts", "/v1/accounts"),)),
    ServiceProcess(
        "renewals",
        8003,
        (
            ("renewals", "/v1/renewals"),
            ("forecast", "/v1/forecast"),
            ("KPIs", "/v1/kpis"),
            ("leadership report", "/v1/reports/renewals"),
        ),
    ),
    ServiceProcess("notifier", 8004, (("alerts", "/v1/alerts"), ("deliveries", "/v1/deliveries"))),
    ServiceProcess("console", CONSOLE_PORT, (("console (sign in here)", "/"),)),
)
NOTIFIER = next(s for s in SERVICES if s.name == "notifier")

# The services the console calls, by the setting that holds each one's URL.
CONSOLE_CALLS = {"HEALTH_URL": "health", "RENEWALS_URL": "renewals", "NOTIFIER_URL": "notifier"}
