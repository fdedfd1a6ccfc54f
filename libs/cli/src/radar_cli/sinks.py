"""The local Slack-webhook sink and SMTP catcher of `radar up`, run as one process."""

from __future__ import annotations

import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import httpx

SLACK_SINK_PORT = 8025
SMTP_PORT = 2525
DEMO_CHANNEL = "cs-alerts"


class LocalSinks:
    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{SLACK_SINK_PORT}"

    def start(self, timeout: float = 30) -> None:
        log = (self.logs / "sinks.log").open("ab")
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "radar_notifier.sinks",
                f"--slack-port={SLACK_SINK_PORT}",
                f"--smtp-port={SMTP_PORT}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/messages", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"local sinks did not start; see {self.logs / 'sinks.log'}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)

    def notifier_env(self, home: Path) -> dict[str, str]:
        """Point the notifier at the sinks, with the demo routing."""
        rules = home / "notifier.toml"
        if not rules.exists():
            rules.write_text(
                resources.files("radar_cli").joinpath("demo-notifier.toml").read_text()
            )
        return {
            "RADAR_NOTIFIER_CONFIG_PATH": str(rules),
            "RADAR_NOTIFIER_SMTP_HOST": "127.0.0.1",
            "RADAR_NOTIFIER_SMTP_PORT": str(SMTP_PORT),
            "RADAR_NOTIFIER_ALLOW_LOOPBACK_WEBHOOKS": "true",
            "RADAR_NOTIFIER_SLACK_WEBHOOK_CS_ALERTS": f"{self.url}/services/{DEMO_CHANNEL}",
        }
