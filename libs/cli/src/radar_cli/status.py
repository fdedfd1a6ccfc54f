"""`radar status`: readiness and consumer lag of each running service."""

from __future__ import annotations

import httpx

from .services import SERVICES


def metric_sum(metrics_text: str, name: str) -> float:
    """Sum of every sample of one metric in Prometheus text format."""
    total = 0.0
    for line in metrics_text.splitlines():
        if line.startswith(name) and line[len(name) : len(name) + 1] in ("{", " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def metric_count(metrics_text: str, name: str) -> int:
    """A counter or gauge of things (events, records): Prometheus writes every sample as
    a float, but a count is shown as the whole number it is."""
    return round(metric_sum(metrics_text, name))


def service_status(client: httpx.Client, url: str) -> dict[str, object]:
    try:
        ready = client.get(f"{url}/readyz")
        metrics = client.get(f"{url}/metrics").text
    except httpx.HTTPError as exc:
        return {"state": "down", "detail": type(exc).__name__}
    checks = ready.json().get("checks", {})
    failing = [name for name, ok in checks.items() if not ok]
    return {
        "state": "ready" if ready.status_code == 200 else "not ready",
        "detail": ", ".join(f"{name} failing" for name in failing),
        "lag": metric_count(metrics, "radar_consumer_lag"),
        "consumed": metric_count(metrics, "radar_events_consumed_total"),
        "outbox": metric_count(metrics, "radar_outbox_pending"),
    }


def print_status() -> int:
    """Print one line per service; exit code 1 when any is not ready."""
    all_ready = True
    print(f"{'service':<10} {'state':<10} {'lag':>8} {'consumed':>10} {'outbox':>7}  detail")
    with httpx.Client(timeout=3) as client:
        for service in SERVICES:
            status = service_status(client, service.url)
            all_ready &= status["state"] == "ready"
            print(
                f"{service.name:<10} {status['state']!s:<10} {status.get('lag', '-')!s:>8} "
                f"{status.get('consumed', '-')!s:>10} {status.get('outbox', '-')!s:>7}  "
                f"{status['detail']}"
            )
    return 0 if all_ready else 1
