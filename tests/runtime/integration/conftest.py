from __future__ import annotations

import uuid

import pytest

from radar_runtime import RuntimeSettings


def runtime_settings(
    kafka_bootstrap: str, database_url: str, **overrides: object
) -> RuntimeSettings:
    """Settings isolated by a unique schema, topic prefix and consumer group."""
    tag = uuid.uuid4().hex[:10]
    values: dict[str, object] = {
        "kafka_bootstrap_servers": kafka_bootstrap,
        "database_url": database_url,
        "service_name": f"toy_{tag}",
        "db_schema": f"toy_{tag}",
        "topic_prefix": f"t{tag}.",
        "consumer_group": f"toy-{tag}",
        "batch_timeout_ms": 50,
        "retry_backoff_seconds": 0.02,
        "outbox_poll_seconds": 0.2,
    }
    values.update(overrides)
    return RuntimeSettings(**values)


@pytest.fixture
def settings(kafka_bootstrap: str, database_url: str) -> RuntimeSettings:
    return runtime_settings(kafka_bootstrap, database_url)
