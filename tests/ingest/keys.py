"""API keys the ingest tests configure: shared by unit and integration tests."""

from __future__ import annotations

import json

from radar_ingest.domain.auth import hash_key

ALL_PREFIXES = [
    "usage.",
    "ticket.",
    "csat.",
    "nps.",
    "account.",
    "subscription.",
    "renewal.",
    "engagement.",
    "contact.",
]
ANALYTICS_KEY = "rr_test_analytics_key"  # may send every type
DESK_KEY = "rr_test_desk_key"  # support desk: tickets and CSAT only
SIGNED_KEY = "rr_test_signed_key"  # usage only, every request signed
THROTTLED_KEY = "rr_test_throttled_key"  # every type, at most 2 events/s in bursts of 2
SLOW_KEY = "rr_test_slow_key"  # usage, a burst of 2 and then one event every 1,000 s
SIGNING_SECRET_ENV = "RADAR_TEST_INGEST_SIGNING_SECRET"
SIGNING_SECRET = "test-signing-secret-0123456789"


def api_keys_json() -> str:
    return json.dumps(
        [
            {"source": "analytics", "sha256": hash_key(ANALYTICS_KEY), "allow": ALL_PREFIXES},
            {"source": "desk", "sha256": hash_key(DESK_KEY), "allow": ["ticket.", "csat."]},
            {
                "source": "webhook",
                "sha256": hash_key(SIGNED_KEY),
                "allow": ["usage."],
                "signing_secret_env": SIGNING_SECRET_ENV,
            },
            {
                "source": "throttled",
                "sha256": hash_key(THROTTLED_KEY),
                "allow": ALL_PREFIXES,
                "rate_per_second": 2,
                "burst": 2,
            },
            {
                "source": "slow",
                "sha256": hash_key(SLOW_KEY),
                "allow": ["usage."],
                "rate_per_second": 0.001,
                "burst": 2,
            },
        ]
    )


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
