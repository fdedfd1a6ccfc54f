"""The four services as separate processes: spawned, awaited, killed, restarted.

`radar up` uses it for the local stack; the end-to-end tests use it to run the real
processes against the test session's broker and database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from .services import SERVICES, ServiceProcess


class StartupError(RuntimeError):
    pass


class ServiceProcesses:
    def __init__(
        self,
        env: Mapping[str, str],
        logs: Path,
        services: Sequence[ServiceProcess] = SERVICES,
    ) -> None:
        self.env = dict(env)
        self.logs = logs
        self.services = {service.name: service for service in services}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, *names: str) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        for name in names or self.services:
            service = self.services[name]
            env = {
                **os.environ,
                **self.env,
                f"RADAR_{name.upper()}_PORT": str(service.port),
            }
            log = (self.logs / f"{name}.log").open("ab")
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", service.module],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the CLI only; it stops them in order
            )

    def wait_ready(self, *names: str, timeout: float = 120, report: bool = False) -> None:
        pending = {name: self.services[name] for name in names or self.services}
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2) as client:
            while pending and time.monotonic() < deadline:
                for name, service in list(pending.items()):
                    if self.processes[name].poll() is not None:
                        raise StartupError(f"{name} exited; see {self.logs / name}.log")
                    try:
                        if client.get(f"{service.url}/readyz").status_code == 200:
                            if report:
                                print(f"ready       {name} at {service.url}", flush=True)
                            del pending[name]
                    except httpx.HTTPError:
                        pass
                time.sleep(0.25)
        if pending:
            raise StartupError(f"not ready after {timeout:.0f} s: {', '.join(pending)}")

    def exited(self) -> dict[str, int]:
        return {
            name: code
            for name, process in self.processes.items()
            if (code := process.poll()) is not None
        }

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown hook runs, as in a crash or an OOM kill."""
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self, *names: str, timeout: float = 20) -> None:
        """SIGTERM: each service finishes its batch, publishes its outbox and flushes."""
        chosen = [self.processes[n] for n in names or self.processes if n in self.processes]
        for process in chosen:
            if process.poll() is None:
                process.terminate()
        for process in chosen:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
