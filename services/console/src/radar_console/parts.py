"""The console's parts: everything long-lived, built once by `main.bootstrap`."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from radar_console.clients import HealthClient, NotifierClient, RenewalsClient
from radar_console.domain.demo import DemoUser
from radar_console.settings import ConsoleSettings
from radar_runtime import Runtime


@dataclass(frozen=True)
class ConsoleParts:
    settings: ConsoleSettings
    runtime: Runtime
    http: httpx.AsyncClient
    health: HealthClient
    renewals: RenewalsClient
    notifier: NotifierClient
    # Offered on the sign-in page when the demo runs; empty otherwise.
    demo_users: tuple[DemoUser, ...]
    # (label, url) of the demo's Slack sink and email catcher, when they run.
    demo_links: tuple[tuple[str, str], ...]
