"""The local Slack-webhook sink and SMTP catcher of `radar up`, run as one process.

What they receive is kept under the radar home (`sinks/`), so their pages show the
same messages after a restart. The notifier gets what acting from them needs: the
Slack app's signing secret (the sink signs its page's clicks with it, as Slack does),
the email-link key, its own public URL for the links and the console's URL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from radar_runtime.local.process import terminate

from .children import ChildRecords, owns_listener
from .demo_people import ensure_demo_rules, slack_users
from .local_secrets import ACTION_LINK_SECRET_FILE, SLACK_SIGNING_SECRET_FILE, ensure_secret
from .processes import StartupError, ensure_port_free, exited_error
from .services import NOTIFIER, console_url

SLACK_SINK_PORT = 8025
SMTP_PORT = 2525
DEMO_CHANNEL = "cs-alerts"
SIGNING_SECRET_VAR = "RADAR_NOTIFIER_SLACK_SIGNING_SECRET"


class LocalSinks:
    def __init__(
        self,
        logs: Path,
        records: ChildRecords | None = None,
        *,
        slack_port: int = SLACK_SINK_PORT,
        smtp_port: int = SMTP_PORT,
        notifier_url: str = NOTIFIER.url,
    ) -> None:
        """`records`, when given, keeps the child's pid so a later run can stop it."""
        self.logs = logs
        self.records = records
        self.slack_port = slack_port
        self.smtp_port = smtp_port
        self.notifier_url = notifier_url
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.slack_port}"

    def start(self, env: dict[str, str], timeout: float = 30) -> None:
        """`env`: the notifier's (notifier_env), whose signing secret the sink signs with."""
        ensure_port_free(self.slack_port, "Slack sink")
        ensure_port_free(self.smtp_port, "SMTP catcher")
        log_path = self.logs / "sinks.log"
        log_start = log_path.stat().st_size if log_path.exists() else 0
        home = self.logs.parent
        users = [f"--slack-user={uid}={name}" for uid, name in slack_users()]
        secret = {k: v for k, v in env.items() if k == SIGNING_SECRET_VAR}
        with log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "radar_notifier.local",
                    f"--slack-port={self.slack_port}",
                    f"--smtp-port={self.smtp_port}",
                    f"--state-dir={home / 'sinks'}",
                    f"--interactions-url={self.notifier_url}/v1/slack/interactions",
                    *users,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, **secret},
            )
        if self.records is not None:
            self.records.record("sinks", self._process)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (code := self._process.poll()) is not None:
                raise exited_error("the local sinks", code, log_path, log_start)
            try:
                httpx.get(f"{self.url}/messages.json", timeout=1)
            except httpx.HTTPError:
                time.sleep(0.2)
                continue
            # A reply counts only from our process, not from whoever else holds the port.
            if owns_listener(self._process.pid, self.slack_port) is not False:
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
        """Point the notifier at the sinks, with the demo routing and people; a setting
        given in the environment is left as it is."""
        env = {
            "RADAR_NOTIFIER_CONFIG_PATH": str(ensure_demo_rules(home)),
            "RADAR_NOTIFIER_SMTP_HOST": "127.0.0.1",
            "RADAR_NOTIFIER_SMTP_PORT": str(self.smtp_port),
            "RADAR_NOTIFIER_ALLOW_LOOPBACK_WEBHOOKS": "true",
            "RADAR_NOTIFIER_SLACK_WEBHOOK_CS_ALERTS": f"{self.url}/services/{DEMO_CHANNEL}",
            "RADAR_NOTIFIER_PUBLIC_URL": self.notifier_url,
            "RADAR_NOTIFIER_CONSOLE_URL": console_url(),
        }
        secrets = {
            SIGNING_SECRET_VAR: SLACK_SIGNING_SECRET_FILE,
            "RADAR_NOTIFIER_ACTION_LINK_SECRET": ACTION_LINK_SECRET_FILE,
        }
        for var, file in secrets.items():
            env[var] = os.environ.get(var) or ensure_secret(home, file)
        for var in ("RADAR_NOTIFIER_PUBLIC_URL", "RADAR_NOTIFIER_CONSOLE_URL"):
            env[var] = os.environ.get(var, env[var])
        return env
