"""The four services as separate processes: spawned, awaited, killed, restarted.

`radar up` uses it for the local stack; the end-to-end tests use it to run the real
processes against the test session's broker and database.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from radar_runtime.local.process import LOOPBACK, log_tail, port_accepts

from .children import ChildRecords, owns_listener
from .services import CONSOLE_CALLS, SERVICES, ServiceProcess


class StartupError(RuntimeError):
    pass


def port_taken(port: int) -> bool:
    """Something listens on `port`: a connection is accepted, or a bind as the servers
    do it (SO_REUSEADDR, like uvicorn) fails."""
    if port_accepts(port):
        return True
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return True
    return False


def ensure_port_free(port: int, what: str) -> None:
    """Fail before starting `what` rather than let it die on a taken port, or worse, let
    whoever holds the port answer the readiness probe in its place."""
    if port_taken(port):
        raise StartupError(
            f"port {port} ({what}) is already in use on {LOOPBACK}: stop what listens there "
            "(another radar up, perhaps with another RADAR_HOME) and retry"
        )


def exited_error(what: str, code: int, log: Path, since: int) -> StartupError:
    tail = log_tail(log, lines=15, since=since)
    return StartupError(f"{what} exited with {code} during start-up; {log} ends:\n{tail}")


class ServiceProcesses:
    def __init__(
        self,
        env: Mapping[str, str],
        logs: Path,
        services: Sequence[ServiceProcess] = SERVICES,
        records: ChildRecords | None = None,
    ) -> None:
        """`records`, when given, keeps each child's pid so a later run can stop it."""
        self.env = dict(env)
        self.logs = logs
        self.services = {service.name: service for service in services}
        self.records = records
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._log_start: dict[str, int] = {}

    def start(self, *names: str) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        chosen = names or tuple(self.services)
        # All ports first, so a taken one fails the start before anything is spawned.
        for name in chosen:
            ensure_port_free(self.services[name].port, name)
        for name in chosen:
            service = self.services[name]
            env = {
                **os.environ,
                **self.env,
                **self._wiring(name),
                f"RADAR_{name.upper()}_PORT": str(service.port),
            }
            log_path = self.logs / f"{name}.log"
            self._log_start[name] = log_path.stat().st_size if log_path.exists() else 0
            with log_path.open("ab") as log:
                self.processes[name] = subprocess.Popen(
                    [sys.executable, "-m", service.module],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # Ctrl-C reaches the CLI only; it stops them in order
                )
            if self.records is not None:
                self.records.record(name, self.processes[name])

    def _wiring(self, name: str) -> dict[str, str]:
        """The console's settings naming the services it calls, where they run here;
        what the environment gives wins."""
        if name != "console":
            return {}
        wiring = {
            f"RADAR_CONSOLE_{setting}": self.services[called].url
            for setting, called in CONSOLE_CALLS.items()
            if called in self.services
        }
        wiring["RADAR_CONSOLE_PUBLIC_URL"] = self.services[name].url
        return {key: value for key, value in wiring.items() if key not in self.env}

    def wait_ready(self, *names: str, timeout: float = 120, report: bool = False) -> None:
        """Until each service answers /readyz from the process started here; a service
        that exits meanwhile fails the wait with the end of its log."""
        pending = {name: self.services[name] for name in names or self.services}
        impostors: set[str] = set()
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2) as client:
            while pending and time.monotonic() < deadline:
                for name, service in list(pending.items()):
                    process = self.processes[name]
                    if (code := process.poll()) is not None:
                        log = self.logs / f"{name}.log"
                        raise exited_error(name, code, log, self._log_start.get(name, 0))
                    try:
                        if client.get(f"{service.url}/readyz").status_code != 200:
                            continue
                    except httpx.HTTPError:
                        continue
                    if owns_listener(process.pid, service.port) is False:
                        # Someone else answers on the port; ours will fail to bind and exit.
                        impostors.add(name)
                        continue
                    if report:
                        print(f"ready       {name} at {service.url}", flush=True)
                    del pending[name]
                time.sleep(0.25)
        if pending:
            foreign = [
                f"port {self.services[name].port} is answered by another process"
                for name in pending
                if name in impostors
            ]
            raise StartupError(
                f"not ready after {timeout:.0f} s: {', '.join(pending)}"
                + (f" ({'; '.join(foreign)})" if foreign else "")
            )

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
        self._forget(name)

    def stop(self, *names: str, timeout: float = 20) -> None:
        """SIGTERM: each service finishes its batch, publishes its outbox and flushes."""
        chosen = [n for n in names or self.processes if n in self.processes]
        for name in chosen:
            if self.processes[name].poll() is None:
                self.processes[name].terminate()
        for name in chosen:
            process = self.processes[name]
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            self._forget(name)

    def _forget(self, name: str) -> None:
        if self.records is not None:
            self.records.forget(name)
