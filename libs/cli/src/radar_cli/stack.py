"""`radar up`: a broker, a database and the services on this machine.

Servers given in the environment (KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL) are used as
they are; otherwise the project starts its own, keeping their data under the radar
home directory so a restart finds everything where it was.
"""

from __future__ import annotations

import os
import shutil
import time
from contextlib import ExitStack
from pathlib import Path

from radar_runtime.local import KafkaBroker, LocalPostgres, ensure_kafka_jars, java_available
from radar_runtime.local.kafka_jars import kafka_jars_cached
from radar_runtime.local.tansu import LIMITATIONS, TansuBroker

from .admin_token import TOKEN_FILE, ensure_admin_token
from .children import ChildRecords
from .demo_key import ensure_demo_key
from .demo_users import USERS_FILE, demo_people, ensure_demo_users
from .processes import ServiceProcesses, ensure_port_free
from .services import SERVICES
from .sinks import SLACK_SINK_PORT, SMTP_PORT, LocalSinks

KAFKA_PORT = 19092
POSTGRES_PORT = 15432


class LocalStack:
    def __init__(self, home: Path, *, demo: bool = False) -> None:
        self.home = home
        self.demo = demo
        self.logs = home / "logs"
        self.env: dict[str, str] = {}
        self.services: ServiceProcesses | None = None
        self.api_key: str | None = None
        self.admin_token: str | None = None
        self.sinks: LocalSinks | None = None
        self.children = ChildRecords(home / "run")
        self._servers = ExitStack()

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        # Before the broker and database are replaced, so leftovers still flush into them.
        for leftover in self.children.acquire():
            say(f"stopped     {leftover}, left running by a radar up that was killed")
        self._servers.callback(self.children.release)
        local_sinks = "RADAR_NOTIFIER_SMTP_HOST" not in os.environ
        # A taken port fails now, not after the broker and database have started.
        ports = [(service.port, service.name) for service in SERVICES]
        if local_sinks:
            ports += [(SLACK_SINK_PORT, "Slack sink"), (SMTP_PORT, "SMTP catcher")]
        for port, what in ports:
            ensure_port_free(port, what)
        self.env["KAFKA_BOOTSTRAP_SERVERS"] = self._broker()
        self.env["DATABASE_URL"] = self._database()
        if local_sinks:
            self.sinks = LocalSinks(self.logs, self.children)
            notifier_env = self.sinks.notifier_env(self.home)
            self.sinks.start(notifier_env)
            self._servers.callback(self.sinks.stop)
            self.env.update(notifier_env)
        if not ({"RADAR_INGEST_API_KEYS", "RADAR_INGEST_API_KEYS_FILE"} & os.environ.keys()):
            self.api_key, keyring = ensure_demo_key(self.home)
            self.env["RADAR_INGEST_API_KEYS_FILE"] = str(keyring)
        self.admin_token = ensure_admin_token(self.home, self.env)
        self._console_env()
        self.services = ServiceProcesses(self.env, self.logs, records=self.children)
        self.services.start()
        self.services.wait_ready(report=True)

    def _console_env(self) -> None:
        """The console on plain-HTTP loopback; with the demo, its people and links to
        the demo's message catchers."""
        self.env.setdefault("RADAR_CONSOLE_SECURE_COOKIES", "false")
        if self.demo:
            users = ensure_demo_users(self.home, self.env)
            self.env["RADAR_CONSOLE_DEMO_USERS_PATH"] = str(users)
            if self.sinks is not None:
                self.env["RADAR_CONSOLE_DEMO_SLACK_URL"] = f"{self.sinks.url}/messages"
                self.env["RADAR_CONSOLE_DEMO_MAIL_URL"] = f"{self.sinks.url}/emails"

    def _broker(self) -> str:
        given = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if given:
            say(f"broker      {given} (from KAFKA_BOOTSTRAP_SERVERS)")
            return given
        missing = apache_kafka_missing()
        if missing:
            return self._fallback_broker(missing)
        say("broker      fetching Apache Kafka through Maven (first run only)...")
        ensure_kafka_jars()
        broker = KafkaBroker(self.home / "kafka", port=KAFKA_PORT)
        bootstrap = broker.start()
        self._servers.callback(broker.stop)
        say(f"broker      Apache Kafka at {bootstrap}, data in {broker.data_dir}")
        return bootstrap

    def _fallback_broker(self, reason: str) -> str:
        tansu = TansuBroker(self.home / "tansu", port=KAFKA_PORT)
        bootstrap = tansu.start()
        self._servers.callback(tansu.stop)
        self.env["KAFKA_IDEMPOTENT_PRODUCER"] = "false"
        say(f"broker      Tansu at {bootstrap} ({reason}), log in {tansu.log_file}")
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

    def watch(self) -> None:
        """Block until Ctrl-C; report a service that dies."""
        assert self.services is not None, "start() first"
        reported: set[str] = set()
        while True:
            for name, code in self.services.exited().items():
                if name not in reported:
                    reported.add(name)
                    say(f"!! {name} exited with {code}; see {self.logs}/{name}.log")
            time.sleep(1)

    def stop(self) -> None:
        """Services first (each finishes its batch and flushes), then the servers."""
        if self.services is not None:
            self.services.stop()
        self._servers.close()

    def print_urls(self) -> None:
        say("")
        say("Renewal Radar is running. Ctrl-C stops everything.")
        for service in SERVICES:
            say(f"  {service.name:<9} {service.url}/docs   metrics {service.url}/metrics")
            for label, path in service.pages:
                say(f"  {'':<9} {label}: {service.url}{path}")
        if self.sinks is not None:
            say(f"  slack     {self.sinks.url}/messages   (the local #cs-alerts channel;")
            say("            its buttons act as the simulated CS team)")
            say(f"  email     {self.sinks.url}/emails     (the local SMTP catcher)")
        if self.api_key:
            say(f"  API key   {self.api_key}   (also in {self.home / 'demo-api-key'})")
        if self.admin_token:
            say(f"  admin     {self.admin_token}   (also in {self.home / TOKEN_FILE})")
            say(f'            curl -H "Authorization: Bearer $(cat {self.home / TOKEN_FILE})" ...')
        if self.demo:
            say(f"  console   demo people to sign in as: {self.home / USERS_FILE}")
            for person in demo_people():
                say(f"            {person['role']:<8} {person['name']} <{person['email']}>")
        say(f"  logs      {self.logs}")
        say("  status    uv run radar status")


def apache_kafka_missing() -> str | None:
    """Why Apache Kafka cannot run here, None when it can: it needs a `java` that runs,
    and Maven unless an earlier run cached its jars."""
    if not java_available():
        return "no Java found"
    if shutil.which("mvn") is None and not kafka_jars_cached():
        return "Java found, but no Maven to fetch Apache Kafka's jars"
    return None


def say(message: str) -> None:
    print(message, flush=True)
