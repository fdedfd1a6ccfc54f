"""`radar up`: a broker, a database and the four services on this machine.

Servers given in the environment (KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL) are used as
they are; otherwise the project starts its own, keeping their data under the radar
home directory so a restart finds everything where it was.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

from radar_runtime.local import KafkaBroker, LocalPostgres, ensure_kafka_jars, java_available
from radar_runtime.local.tansu import LIMITATIONS, TansuBroker

from .demo_key import ensure_demo_key
from .services import SERVICES, ServiceProcess

KAFKA_PORT = 19092
POSTGRES_PORT = 15432


class StartupError(RuntimeError):
    pass


class LocalStack:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.logs = home / "logs"
        self.env: dict[str, str] = {}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.api_key: str | None = None
        self._servers = ExitStack()

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env["KAFKA_BOOTSTRAP_SERVERS"] = self._broker()
        self.env["DATABASE_URL"] = self._database()
        if not ({"RADAR_INGEST_API_KEYS", "RADAR_INGEST_API_KEYS_FILE"} & os.environ.keys()):
            self.api_key, keyring = ensure_demo_key(self.home)
            self.env["RADAR_INGEST_API_KEYS_FILE"] = str(keyring)
        for service in SERVICES:
            self._spawn(service)
        self._wait_ready()

    def _broker(self) -> str:
        given = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if given:
            say(f"broker      {given} (from KAFKA_BOOTSTRAP_SERVERS)")
            return given
        if not java_available():
            return self._fallback_broker()
        say("broker      fetching Apache Kafka through Maven (first run only)...")
        ensure_kafka_jars()
        broker = KafkaBroker(self.home / "kafka", port=KAFKA_PORT)
        bootstrap = broker.start()
        self._servers.callback(broker.stop)
        say(f"broker      Apache Kafka at {bootstrap}, data in {broker.data_dir}")
        return bootstrap

    def _fallback_broker(self) -> str:
        tansu = TansuBroker(self.logs, port=KAFKA_PORT)
        bootstrap = tansu.start()
        self._servers.callback(tansu.stop)
        self.env["KAFKA_IDEMPOTENT_PRODUCER"] = "false"
        say(f"broker      Tansu at {bootstrap} (no Java found)")
        say(f"WARNING     {LIMITATIONS}")
        return bootstrap

    def _database(self) -> str:
        given = os.environ.get("DATABASE_URL")
        if given:
            say("database    from DATABASE_URL")
            return given
        database = LocalPostgres(self.home / "postgres", port=POSTGRES_PORT)
        url = database.start()
        self._servers.callback(database.stop)
        say(f"database    PostgreSQL at 127.0.0.1:{POSTGRES_PORT}, data in {database.pgdata}")
        return url

    def _spawn(self, service: ServiceProcess) -> None:
        env = {**os.environ, **self.env, f"RADAR_{service.name.upper()}_PORT": str(service.port)}
        log = (self.logs / f"{service.name}.log").open("ab")
        self.processes[service.name] = subprocess.Popen(
            [sys.executable, "-m", service.module],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us only; we stop them in order
        )

    def _wait_ready(self, timeout: float = 120) -> None:
        pending = {service.name: service for service in SERVICES}
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2) as client:
            while pending and time.monotonic() < deadline:
                for name, service in list(pending.items()):
                    if self.processes[name].poll() is not None:
                        raise StartupError(f"{name} exited; see {self.logs / name}.log")
                    try:
                        if client.get(f"{service.url}/readyz").status_code == 200:
                            say(f"ready       {name} at {service.url}")
                            del pending[name]
                    except httpx.HTTPError:
                        pass
                time.sleep(0.5)
        if pending:
            raise StartupError(f"not ready after {timeout:.0f} s: {', '.join(pending)}")

    def watch(self) -> None:
        """Block until Ctrl-C; report a service that dies."""
        reported: set[str] = set()
        while True:
            for name, process in self.processes.items():
                if process.poll() is not None and name not in reported:
                    reported.add(name)
                    say(f"!! {name} exited with {process.returncode}; see {self.logs}/{name}.log")
            time.sleep(1)

    def stop(self) -> None:
        """Services first (each finishes its batch and flushes), then the servers."""
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for name, process in self.processes.items():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop in time; killing it")
                process.kill()
        self._servers.close()

    def print_urls(self) -> None:
        say("")
        say("Renewal Radar is running. Ctrl-C stops everything.")
        for service in SERVICES:
            say(f"  {service.name:<9} {service.url}/docs   metrics {service.url}/metrics")
            for label, path in service.pages:
                say(f"  {'':<9} {label}: {service.url}{path}")
        if self.api_key:
            say(f"  API key   {self.api_key}   (also in {self.home / 'demo-api-key'})")
        say(f"  logs      {self.logs}")
        say("  status    uv run radar status")


def say(message: str) -> None:
    print(message, flush=True)
