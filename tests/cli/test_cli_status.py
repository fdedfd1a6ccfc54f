"""`radar status` against a real HTTP server: counts are printed as whole numbers."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from radar_cli.status import metric_count, service_status

METRICS = """# HELP radar_events_consumed_total Events consumed.
# TYPE radar_events_consumed_total counter
radar_events_consumed_total{outcome="applied",topic="cs.usage.v1"} 219860.0
radar_events_consumed_total{outcome="duplicate",topic="cs.usage.v1"} 3.0
radar_consumer_lag{partition="0",topic="cs.usage.v1"} 12.0
radar_consumer_lag{partition="1",topic="cs.usage.v1"} 0.0
radar_outbox_pending 7.0
"""


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/readyz":
            body, kind = b'{"status": "ready", "checks": {"database": true}}', "application/json"
        else:
            body, kind = METRICS.encode(), "text/plain; version=0.0.4"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_counts_are_integers() -> None:
    assert metric_count(METRICS, "radar_events_consumed_total") == 219863
    assert isinstance(metric_count(METRICS, "radar_events_consumed_total"), int)


def test_service_status_shows_whole_numbers() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with httpx.Client(timeout=3) as client:
            status = service_status(client, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
    assert status["state"] == "ready"
    assert (status["consumed"], status["lag"], status["outbox"]) == (219863, 12, 7)
    assert f"{status['consumed']!s}" == "219863"  # as print_status formats it, no ".0"
