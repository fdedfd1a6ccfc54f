"""The local Slack-webhook sink and SMTP catcher of `radar up`, run as one process."""

from __future__ import annotations

import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import httpx

from radar_runtime.local.process import terminate

from .children import ChildRecords, owns_listener
from .processes import StartupError, ensure_port_free, exited_error

SLACK_SINK_PORT = 8025
SMTP_PORT = 2525
DEMO_CHANNEL = "cs-alerts"


class LocalSinks:
    def __init__(self, logs: Path, records: ChildRecords | None = None) -> None:
        """`records`, when given, keeps the child's pid so a later run can stop it."""
        self.logs = logs
        self.records = records
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{SLACK_SINK_PORT}"

    def start(self, timeout: float = 30) -> None:
        ensure_port_free(SLACK_SINK_PORT, "Slack sink")
        ensure_port_free(SMTP_PORT, "SMTP catcher")
        log_path = self.logs / "sinks.log"
        log_start = log_path.stat().st_size if log_path.exists() else 0
        with log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "radar_notifier.local",
                    f"--slack-port={SLACK_SINK_PORT}",
                    f"--smtp-port={SMTP_PORT}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if self.records is not None:
            self.records.record("sinks", self._process)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (code := self._process.poll()) is not None:
                raise exited_error("the local sinks", code, log_path, log_start)
            try:
                httpx.get(f"{self.url}/messages", timeout=1)
            except httpx.HTTPError:
                time.sleep(0.2)
                continue
            # A reply counts only from our process, not from whoever else holds the port.
            if owns_listener(self._process.pid, SLACK_SINK_PORT) is not False:
                return
            time.sleep(0.2)
        raise StartupError(f"local sinks not ready after {timeout:.0f} s; see {log_path}")

    def stop(self) -> None:
        if self._process is not None:
            terminate(self._process.pid, timeout=10, group=True, popen=self._process)
            if self.records is not None:
                self.records.forget("sinks")
            self._process = None

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
