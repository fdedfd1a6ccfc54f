"""What ingest declares, as `radar topology` obtains it: without any API key configured."""

from __future__ import annotations

import pytest

from radar_ingest.domain.catalog import INGEST_TYPES
from radar_ingest.keys import KeyConfigError
from radar_ingest.main import bootstrap, create_app, spec
from radar_ingest.settings import IngestSettings


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RADAR_INGEST_API_KEYS", raising=False)
    monkeypatch.delenv("RADAR_INGEST_API_KEYS_FILE", raising=False)


def test_the_spec_is_declared_without_api_keys() -> None:
    declared = spec(bootstrap(IngestSettings()))
    assert declared.name == "ingest"
    assert declared.consumes == ()
    assert declared.emits == INGEST_TYPES
    assert declared.produces == ("cs.crm.v1", "cs.support.v1", "cs.usage.v1")
    assert not declared.uses_database
    # The app still refuses to start on the same settings.
    with pytest.raises(KeyConfigError, match="no API keys configured"):
        create_app(IngestSettings())


def test_parts_built_without_keys_accept_no_key() -> None:
    parts = bootstrap(IngestSettings())
    assert parts.keys.keyring.keys == ()
    assert parts.keys.authenticate("rr_any_key") is None


def test_the_spec_follows_the_settings() -> None:
    declared = spec(bootstrap(IngestSettings(producer_linger_ms=7)))
    assert declared.producer_options == {"linger_ms": 7}
    paths = {route.path for router in declared.routers for route in router.routes}
    assert {"/v1/events", "/v1/events/batch", "/v1/event-types", "/v1/segment/batch"} <= paths
