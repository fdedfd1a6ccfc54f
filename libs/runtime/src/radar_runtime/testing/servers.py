"""Where test sessions keep their servers, and how they find a broker and a database.

Order of preference for each: a URL given in the environment, a testcontainers
container when a Docker engine answers, else the project's own local server.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from radar_runtime.local.kafka import (
    KAFKA_VERSION,
    broker_settings,
    free_port,
    stop_leftover_broker,
    wait_for_kafka,
)
from radar_runtime.local.postgres import stop_leftover_postgres
from radar_runtime.local.process import DataDirLock, file_lock, try_lock_free

KAFKA_ENV = "RADAR_TEST_KAFKA_BOOTSTRAP"
DATABASE_ENV = "RADAR_TEST_DATABASE_URL"
# "0" skips Docker even where an engine answers (e.g. to test the local servers there).
DOCKER_ENV = "RADAR_TEST_DOCKER"
POSTGRES_IMAGE = "postgres:18-alpine"
KAFKA_IMAGE = f"apache/kafka:{KAFKA_VERSION}"
_OWNER_LOCK = ".radar-owner.lock"


@functools.cache
def docker_available() -> bool:
    """True when a Docker engine answers `docker info` within 3 s."""
    if os.environ.get(DOCKER_ENV) == "0" or shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(["docker", "info"], capture_output=True, timeout=3, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


@functools.cache
def docker_image(image: str) -> bool:
    """True when a Docker engine answers and has `image`, or can pull it: an engine
    with no registry in reach (an offline machine) is no use for a missing image."""
    if not docker_available():
        return False
    if _docker("image", "inspect", image, timeout=10):
        return True
    return _docker("pull", image, timeout=300)


RYUK_IMAGE = "testcontainers/ryuk:0.8.1"


def _prepare_testcontainers() -> None:
    # Ryuk removes containers a killed session leaves; without its image the contexts
    # below still stop theirs, so go without it rather than fail.
    if not docker_image(RYUK_IMAGE):
        os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")


def _docker(*args: str, timeout: float) -> bool:
    try:
        result = subprocess.run(
            ["docker", *args], capture_output=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def test_runs_root() -> Path:
    # Per user, in the temp dir: fast, private, and found again by the next session.
    root = Path(tempfile.gettempdir()) / f"renewal-radar-tests-{os.getuid()}"
    root.mkdir(mode=0o755, exist_ok=True)
    return root


@contextlib.contextmanager
def test_run_dir() -> Iterator[Path]:
    """A directory owned by this process for the servers of one test session.

    Directories of sessions that died without cleaning up (SIGKILL, OOM, CI timeout)
    are found by their released owner lock: their servers are stopped, files removed.
    """
    root = test_runs_root()
    with file_lock(root / ".runs.lock"):
        reap_stale_runs(root)
        path = Path(tempfile.mkdtemp(prefix=f"run-{os.getpid()}-", dir=root))
        lock = DataDirLock(path)
        lock.acquire()
    try:
        yield path
    finally:
        lock.release()
        shutil.rmtree(path, ignore_errors=True)


def reap_stale_runs(root: Path) -> None:
    for run in root.glob("run-*"):
        if not run.is_dir() or not try_lock_free(run / _OWNER_LOCK):
            continue
        # Tests may start extra servers anywhere below the run directory.
        for pid_file in run.rglob("kafka.pid"):
            stop_leftover_broker(pid_file.parent)
        for pid_file in run.rglob("postmaster.pid"):
            stop_leftover_postgres(pid_file.parent)
        shutil.rmtree(run, ignore_errors=True)


@contextlib.contextmanager
def kafka_container() -> Iterator[str]:
    """Apache Kafka's own image, configured like the local broker; yields its bootstrap."""
    _prepare_testcontainers()
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    host_port = free_port()
    env = {
        "node.id": "1",
        "process.roles": "broker,controller",
        # Clients reach the host listener; the broker talks to itself (transaction
        # markers, controller) on listeners that mean the same inside the container.
        "listeners": "HOST://0.0.0.0:9092,INTERNAL://localhost:19092,CONTROLLER://localhost:9093",
        "advertised.listeners": f"HOST://127.0.0.1:{host_port},INTERNAL://localhost:19092",
        "listener.security.protocol.map": "HOST:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name": "INTERNAL",
        "controller.listener.names": "CONTROLLER",
        "controller.quorum.voters": "1@localhost:9093",
        **broker_settings(for_tests=True),
    }
    container = DockerContainer(KAFKA_IMAGE)
    container.with_bind_ports(9092, host_port)
    for key, value in env.items():
        container.with_env(_kafka_image_env_name(key), value)
    container.waiting_for(LogMessageWaitStrategy("Kafka Server started"))
    container.start()
    try:
        bootstrap = f"127.0.0.1:{host_port}"
        wait_for_kafka(bootstrap)
        yield bootstrap
    finally:
        container.stop()


def _kafka_image_env_name(setting: str) -> str:
    # The apache/kafka image's mapping: "." -> "_", "_" -> "__", "-" -> "___".
    escaped = setting.replace("_", "__").replace("-", "___").replace(".", "_")
    return "KAFKA_" + escaped.upper()


@contextlib.contextmanager
def postgres_container() -> Iterator[str]:
    _prepare_testcontainers()
    from testcontainers.community.postgres import PostgresContainer

    settings = "-c max_connections=200 -c fsync=off -c synchronous_commit=off"
    container = PostgresContainer(POSTGRES_IMAGE, driver="asyncpg")
    container.with_command(f"postgres {settings} -c full_page_writes=off")
    container.start()
    try:
        yield container.get_connection_url(host="127.0.0.1")
    finally:
        container.stop()
