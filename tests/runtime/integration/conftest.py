from __future__ import annotations

import pytest

from radar_runtime import RuntimeSettings
from radar_runtime.testing.helpers import isolated_settings


def runtime_settings(
    kafka_bootstrap: str, database_url: str, **overrides: object
) -> RuntimeSettings:
    settings = isolated_settings(RuntimeSettings, kafka_bootstrap, database_url, **overrides)
    return settings.model_copy(update={"service_name": settings.db_schema})


@pytest.fixture
def settings(kafka_bootstrap: str, database_url: str) -> RuntimeSettings:
    return runtime_settings(kafka_bootstrap, database_url)
