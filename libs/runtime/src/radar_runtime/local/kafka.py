"""A real single-node Apache Kafka broker (KRaft) run from Maven-fetched jars."""

from __future__ import annotations

import atexit
import base64
import contextlib
import subprocess
import time
import uuid
from pathlib import Path
from types import TracebackType

from radar_runtime.local.kafka_jars import (
    INSTALL_HINT,
    KAFKA_VERSION,
    ensure_kafka_jars,
    java_available,
    java_executable,
)
from radar_runtime.local.kafka_probe import kafka_ready, wait_for_kafka
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

__all__ = [
    "KAFKA_VERSION",
    "KafkaBroker",
    "LocalServerError",
    "broker_settings",
    "ensure_kafka_jars",
    "free_port",
    "java_available",
    "kafka_ready",
    "stop_leftover_broker",
    "wait_for_kafka",
]

# Small heap and the serial collector: one broker shares 2 cores with the services.
JVM_FLAGS = (
    "-Xms256m",
    "-Xmx768m",
    "-XX:+UseSerialGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:-UsePerfData",
    "-Djava.awt.headless=true",
    "-Djava.net.preferIPv4Stack=true",
)
_STOP_TIMEOUT = 30.0
_PORT_RETRIES = 3


def broker_settings(*, for_tests: bool) -> dict[str, str]:
    """Broker settings beyond listeners, shared by the local broker and test containers."""
    settings = {
        "num.partitions": "1",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "offsets.topic.replication.factor": "1",
        # One node: coordinator partitions only cost start-up time, not spread load.
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.num.partitions": "10",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        # Topics are created by the code that owns them, as on managed clusters; an
        # auto-created topic would hide a missing creation step.
        "auto.create.topics.enable": "false",
        "num.network.threads": "2",
        "num.io.threads": "4",
        "num.recovery.threads.per.data.dir": "1",
    }
    if for_tests:
        settings |= {
            "log.segment.bytes": str(16 * 1024 * 1024),
            "log.retention.check.interval.ms": "60000",
            # The cleaner's default 128 MiB buffer is a sixth of the test heap.
            "log.cleaner.dedupe.buffer.size": str(8 * 1024 * 1024),
            # Lets tests use short session timeouts to exercise rebalances quickly.
            "group.min.session.timeout.ms": "1000",
        }
    return settings


def _cluster_id() -> str:
    # Kafka's own Uuid.randomUuid() rule: URL-safe base64, never starting with "-".
    while True:
        value = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not value.startswith("-"):
            return value


class KafkaBroker:
    """Apache Kafka in KRaft mode (combined broker + controller) on loopback ports.

    Data lives in `data_dir` and survives stop/start. A broker left running by a killed
    owner of the same `data_dir` is stopped before starting.
    """

    def __init__(self, data_dir: Path, port: int | None = None, *, for_tests: bool = False):
        self.data_dir = data_dir.resolve()
        self.requested_port = port
        self.for_tests = for_tests
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._lock: DataDirLock | None = None

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "kraft-logs"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "kafka.pid"

    @property
    def server_log(self) -> Path:
        return self.data_dir / "logs" / "kafka.out"

    @property
    def bootstrap(self) -> str:
        if self.port is None:
            raise LocalServerError("the broker is not started")
        return f"{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 60) -> str:
        """Start the broker and return its bootstrap address once clients can use it."""
        if self._process is not None:
            return self.bootstrap
        java = java_executable()
        if java is None:
            raise LocalServerError(f"`java` was not found. {INSTALL_HINT}")
        libs = ensure_kafka_jars()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "logs").mkdir(exist_ok=True)
        self._lock = DataDirLock(self.data_dir)
        self._lock.acquire()
        try:
            stop_leftover_broker(self.data_dir)
            attempts = 1 if self.requested_port is not None else _PORT_RETRIES
            for attempt in range(1, attempts + 1):
                try:
                    self._launch(java, libs, timeout)
                    break
                except _PortTaken:
                    if attempt == attempts:
                        raise LocalServerError(
                            f"Kafka could not bind its ports:\n{log_tail(self.server_log)}"
                        ) from None
        except BaseException:
            self._lock.release()
            raise
        atexit.register(self.stop)
        return self.bootstrap

    def _launch(self, java: str, libs: Path, timeout: float) -> None:
        port = self.requested_port or free_port()
        if self.requested_port is not None and port_accepts(port):
            # Otherwise the readiness probe could mistake whoever holds it for our broker.
            raise LocalServerError(f"port {port} is already in use on {LOOPBACK}")
        controller_port = free_port()
        while controller_port == port:
            controller_port = free_port()
        properties = self._write_config(port, controller_port)
        classpath = f"{libs}/*"
        log4j = f"-Dlog4j.configuration=file:{self.data_dir / 'log4j.properties'}"
        jvm = [java, *JVM_FLAGS, log4j, "-cp", classpath]
        if not (self.log_dir / "meta.properties").exists():
            self._format(jvm, properties)
        log_start = self.server_log.stat().st_size if self.server_log.exists() else 0
        with self.server_log.open("ab") as out:
            # Own session: Ctrl-C in a terminal reaches the owner, which stops the broker
            # in order, instead of killing the JVM mid-write.
            self._process = subprocess.Popen(
                [*jvm, "kafka.Kafka", str(properties)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                start_new_session=True,
            )
        self.pid_file.write_text(f"{self._process.pid}\n")
        self.port = port
        deadline = time.monotonic() + timeout
        while not kafka_ready(self.bootstrap, timeout=1.0):
            if self._process.poll() is not None:
                self._forget_process()
                tail = log_tail(self.server_log, since=log_start)
                if "Address already in use" in tail:
                    raise _PortTaken
                raise LocalServerError(f"Kafka exited during start-up:\n{tail}")
            if time.monotonic() > deadline:
                self.stop()
                raise LocalServerError(
                    f"Kafka not ready after {timeout:.0f}s:\n{log_tail(self.server_log)}"
                )
            time.sleep(0.1)

    def _format(self, jvm: list[str], properties: Path) -> None:
        # Only an unformatted directory is formatted: formatting is what would lose data.
        command = [
            *jvm,
            "kafka.tools.StorageTool",
            "format",
            "-t",
            _cluster_id(),
            "-c",
            str(properties),
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        if result.returncode != 0:
            output = result.stdout + result.stderr
            raise LocalServerError(f"formatting Kafka storage in {self.log_dir} failed:\n{output}")

    def _write_config(self, port: int, controller_port: int) -> Path:
        settings = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{LOOPBACK}:{controller_port}",
            "listeners": f"PLAINTEXT://{LOOPBACK}:{port},CONTROLLER://{LOOPBACK}:{controller_port}",
            "advertised.listeners": f"PLAINTEXT://{LOOPBACK}:{port}",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(self.log_dir),
            **broker_settings(for_tests=self.for_tests),
        }
        properties = self.data_dir / "server.properties"
        properties.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
        logs = self.data_dir / "logs"
        (self.data_dir / "log4j.properties").write_text(
            "log4j.rootLogger=WARN, file, stderr\n"
            "log4j.appender.file=org.apache.log4j.RollingFileAppender\n"
            f"log4j.appender.file.File={logs / 'server.log'}\n"
            "log4j.appender.file.MaxFileSize=10MB\n"
            "log4j.appender.file.MaxBackupIndex=2\n"
            "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
            "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
            # Errors also reach kafka.out, which start-up failures are reported from.
            "log4j.appender.stderr=org.apache.log4j.ConsoleAppender\n"
            "log4j.appender.stderr.Target=System.err\n"
            "log4j.appender.stderr.Threshold=ERROR\n"
            "log4j.appender.stderr.layout=org.apache.log4j.PatternLayout\n"
            "log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
            # Keeps start/stop milestones in the log for diagnosing slow starts.
            "log4j.logger.kafka.server.KafkaRaftServer=INFO\n"
            "log4j.logger.kafka.server.BrokerServer=INFO\n"
        )
        return properties

    def stop(self, timeout: float = _STOP_TIMEOUT) -> None:
        """SIGTERM (Kafka flushes and closes its logs), SIGKILL after `timeout`."""
        atexit.unregister(self.stop)
        process = self._process
        try:
            if process is not None:
                terminate(process.pid, timeout=timeout, group=True, popen=process)
                self.pid_file.unlink(missing_ok=True)
        finally:
            self._forget_process()
            if self._lock is not None:
                self._lock.release()

    def _forget_process(self) -> None:
        self._process = None
        self.port = None

    def __enter__(self) -> KafkaBroker:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class _PortTaken(Exception):
    """Another process bound a port between picking it and Kafka binding it."""


def stop_leftover_broker(data_dir: Path, timeout: float = _STOP_TIMEOUT) -> None:
    """Stop the broker a killed owner left running on `data_dir`, if there is one.

    The caller holds the data directory's owner lock, so a live broker recorded here
    has no owner. The command line is checked so a reused pid is never signalled.
    """
    pid_file = data_dir / "kafka.pid"
    with contextlib.suppress(FileNotFoundError, ValueError):
        pid = int(pid_file.read_text().strip())
        if process_alive(pid) and str(data_dir / "server.properties") in process_cmdline(pid):
            terminate(pid, timeout=timeout, group=True)
    pid_file.unlink(missing_ok=True)
