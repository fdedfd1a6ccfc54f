"""A blocking readiness probe speaking Kafka's wire protocol, with no client library.

Synchronous on purpose: servers are started from fixtures and CLIs that may or may not
run inside an event loop.
"""

from __future__ import annotations

import itertools
import socket
import struct
import time

from radar_runtime.local.process import LocalServerError

_METADATA_API_KEY = 3
# v4 is the oldest Metadata version Kafka 4.x still accepts and is not "flexible" yet,
# so the encoding below stays a handful of fixed-width fields.
_METADATA_VERSION = 4
_CLIENT_ID = b"radar-probe"
_correlation_ids = itertools.count(1)


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        chunks += chunk
    return bytes(chunks)


def broker_count(host: str, port: int, timeout: float = 2.0) -> int:
    """Brokers listed in a Metadata response; raises OSError when nobody answers.

    A KRaft broker lists itself only once it has registered with the controller and
    been unfenced, which is when topics can be created and written.
    """
    correlation_id = next(_correlation_ids) & 0x7FFFFFFF
    header = struct.pack(
        ">hhih", _METADATA_API_KEY, _METADATA_VERSION, correlation_id, len(_CLIENT_ID)
    )
    # topics = null (all topics), allow_auto_topic_creation = false
    body = struct.pack(">ib", -1, 0)
    request = header + _CLIENT_ID + body
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(struct.pack(">i", len(request)) + request)
        (size,) = struct.unpack(">i", _recv_exactly(sock, 4))
        response = _recv_exactly(sock, size)
    got_id, _throttle_ms, brokers = struct.unpack_from(">iii", response)
    if got_id != correlation_id:
        raise ConnectionError(f"unexpected correlation id {got_id} (sent {correlation_id})")
    return int(brokers)


def kafka_ready(bootstrap: str, timeout: float = 2.0) -> bool:
    """True when the first broker of `bootstrap` answers Metadata listing a live broker."""
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    try:
        return broker_count(host, int(port), timeout) > 0
    except (OSError, struct.error):
        return False


def wait_for_kafka(bootstrap: str, timeout: float = 60.0) -> None:
    """Block until `bootstrap` is ready for clients, or raise LocalServerError."""
    deadline = time.monotonic() + timeout
    while not kafka_ready(bootstrap):
        if time.monotonic() > deadline:
            raise LocalServerError(f"Kafka at {bootstrap} not ready after {timeout:.0f}s")
        time.sleep(0.1)
