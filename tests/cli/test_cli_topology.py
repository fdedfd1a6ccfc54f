"""`radar topology`: read from the services' declarations, without loops, and the
README's copy is what it prints."""

from __future__ import annotations

import re
from pathlib import Path

from radar_cli.topology import loops, render, topology

README = Path(__file__).resolve().parents[2] / "README.md"


def test_no_service_consumes_a_topic_it_produces():
    services = {s.service: s for s in topology()}
    assert set(services) == {"ingest", "health", "renewals", "notifier", "console"}
    assert loops(list(services.values())) == []
    assert services["ingest"].consumes == ()
    assert "usage.recorded" in services["ingest"].emits
    assert "health.scored" in services["renewals"].consumes
    assert {"alert.raised", "alert.resolved"} <= set(services["notifier"].consumes)


def test_a_loop_is_reported():
    [renewals] = [s for s in topology() if s.service == "renewals"]
    looped = renewals.__class__(
        renewals.service, (*renewals.consumes, "alert.raised"), renewals.emits
    )
    assert loops([looped]) == ["renewals consumes cs.alerts.v1, which it produces"]


def test_the_readme_shows_what_the_command_prints():
    blocks = re.findall(r"```\n(.*?)\n```", README.read_text(), flags=re.DOTALL)
    assert render(topology()) in blocks
