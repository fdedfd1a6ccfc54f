"""API keys and request signatures, without a server."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from radar_ingest.domain.auth import (
    ApiKey,
    Keyring,
    SignatureError,
    credentials_from,
    hash_key,
    new_key,
    sign,
    verify_signature,
)

SECRET = b"shared-secret"
BODY = b'{"type":"usage.recorded"}'
NOW = 1_740_000_000


def keyring() -> Keyring:
    return Keyring(
        [
            ApiKey("crm", hash_key("rr_crm"), ("account.", "subscription.")),
            ApiKey("desk", hash_key("rr_desk"), ("ticket.", "csat.")),
        ]
    )


def test_hash_is_sha256_hex_of_the_key() -> None:
    assert hash_key("rr_crm") == hashlib.sha256(b"rr_crm").hexdigest()


def test_new_keys_are_long_random_and_prefixed() -> None:
    keys = {new_key() for _ in range(50)}
    assert len(keys) == 50
    assert all(k.startswith("rr_") and len(k) >= 40 for k in keys)


@pytest.mark.parametrize(("presented", "source"), [("rr_crm", "crm"), ("rr_desk", "desk")])
def test_known_keys_authenticate_to_their_source(presented: str, source: str) -> None:
    key = keyring().authenticate(presented)
    assert key is not None
    assert key.source == source


@pytest.mark.parametrize("presented", ["", "rr_cr", "rr_crm ", "RR_CRM", hash_key("rr_crm")])
def test_anything_else_is_unknown(presented: str) -> None:
    assert keyring().authenticate(presented) is None


def test_prefixes_decide_the_allowed_types() -> None:
    crm = keyring().authenticate("rr_crm")
    assert crm is not None
    assert crm.may_send("account.upserted")
    assert crm.may_send("subscription.cancelled")
    assert not crm.may_send("ticket.opened")
    assert not crm.may_send("renewal.booked")
    assert not crm.may_send("alert.raised")  # derived types are never allowed


@pytest.mark.parametrize(
    ("header", "basic", "expected"),
    [
        ("Bearer rr_x", False, "rr_x"),
        ("bearer   rr_x  ", False, "rr_x"),
        ("Bearer", False, None),
        ("Token rr_x", False, None),
        (None, False, None),
        ("Basic " + base64.b64encode(b"rr_x:").decode(), False, None),
        ("Basic " + base64.b64encode(b"rr_x:").decode(), True, "rr_x"),
        ("Basic " + base64.b64encode(b"rr_x:ignored").decode(), True, "rr_x"),
        ("Basic " + base64.b64encode(b":only-password").decode(), True, None),
        ("Basic !!!not-base64", True, None),
        ("Basic " + base64.b64encode(b"\xff\xfe").decode(), True, None),
        ("Bearer rr_x", True, "rr_x"),
    ],
)
def test_credentials_from_authorization(
    header: str | None, basic: bool, expected: str | None
) -> None:
    assert credentials_from(header, allow_basic=basic) == expected


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET, f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, BODY, NOW) == f"t={NOW},v1={expected}"


@pytest.mark.parametrize("skew", [-300, -1, 0, 1, 300])
def test_valid_signatures_within_tolerance_pass(skew: int) -> None:
    verify_signature(sign(SECRET, BODY, NOW + skew), BODY, SECRET, now=NOW, tolerance=300)


def test_any_of_several_v1_values_may_match_for_secret_rotation() -> None:
    good = sign(SECRET, BODY, NOW).split("v1=")[1]
    header = f"t={NOW},v1={'0' * 64},v1={good}"
    verify_signature(header, BODY, SECRET, now=NOW, tolerance=300)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "missing"),
        ("", "missing"),
        ("v1=abc", "must look like"),
        (f"t={NOW}", "must look like"),
        (f"t=soon,v1={'a' * 64}", "must look like"),
        (f"t={'9' * 400},v1={'a' * 64}", "must look like"),
        (f"t=\u00b2\u00b3,v1={'a' * 64}", "must look like"),
        (sign(SECRET, BODY, NOW - 301), "tolerance"),
        (sign(SECRET, BODY, NOW + 301), "tolerance"),
        (sign(b"other", BODY, NOW), "does not match"),
        (sign(SECRET, BODY + b"\n", NOW), "does not match"),
    ],
)
def test_bad_signatures_are_refused(header: str | None, message: str) -> None:
    with pytest.raises(SignatureError, match=message):
        verify_signature(header, BODY, SECRET, now=NOW, tolerance=300)


def test_upper_case_hex_is_the_same_digest() -> None:
    timestamp, digest = sign(SECRET, BODY, NOW).split(",")
    verify_signature(
        f"{timestamp},{digest.upper().replace('V1=', 'v1=')}", BODY, SECRET, now=NOW, tolerance=300
    )
