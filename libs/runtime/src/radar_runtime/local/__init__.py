"""Real servers the project starts itself: Apache Kafka (KRaft) and PostgreSQL.

Used by tests, benchmarks and `make run` on machines without Docker. Unix only.
"""

from radar_runtime.local.kafka import (
    KAFKA_VERSION,
    KafkaBroker,
    ensure_kafka_jars,
    free_port,
    java_available,
    wait_for_kafka,
)
from radar_runtime.local.paths import cache_dir
from radar_runtime.local.postgres import LocalPostgres
from radar_runtime.local.process import LocalServerError

__all__ = [
    "KAFKA_VERSION",
    "KafkaBroker",
    "LocalPostgres",
    "LocalServerError",
    "cache_dir",
    "ensure_kafka_jars",
    "free_port",
    "java_available",
    "wait_for_kafka",
]
