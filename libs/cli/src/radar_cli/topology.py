"""`radar topology`: which service consumes and emits which event types on which
topics, read from the services' own declarations (their `spec`), never written twice."""

from __future__ import annotations

import importlib
from collections import defaultdict
from dataclasses import dataclass

from radar_runtime import ServiceSpec
from radar_schemas.topics import topic_for

from .services import SERVICES


@dataclass(frozen=True)
class Declared:
    service: str
    consumes: tuple[str, ...]  # event types
    emits: tuple[str, ...]


def declared(name: str) -> Declared:
    """A service's spec, built from its default settings without starting anything."""
    main = importlib.import_module(f"radar_{name}.main")
    settings = importlib.import_module(f"radar_{name}.settings")
    settings_class = getattr(settings, f"{name.capitalize()}Settings")
    spec: ServiceSpec = main.spec(main.bootstrap(settings_class()))
    consumed = sorted(spec.routes.event_types) if spec.routes is not None else []
    return Declared(name, tuple(consumed), tuple(sorted(spec.emits)))


def topology() -> list[Declared]:
    return [declared(service.name) for service in SERVICES]


def loops(services: list[Declared]) -> list[str]:
    """Services that consume a topic they produce (none should)."""
    found = []
    for s in services:
        shared = {topic_for(t) for t in s.consumes} & {topic_for(t) for t in s.emits}
        found += [f"{s.service} consumes {topic}, which it produces" for topic in sorted(shared)]
    return found


def render(services: list[Declared]) -> str:
    by_topic: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for s in services:
        for event_type in s.emits:
            by_topic[topic_for(event_type)][f"  {s.service} emits"].add(event_type)
        for event_type in s.consumes:
            by_topic[topic_for(event_type)][f"  {s.service} consumes"].add(event_type)
    lines = []
    for topic in sorted(by_topic, key=_topic_order):
        lines.append(topic)
        edges = by_topic[topic]
        for edge in sorted(edges, key=lambda e: (not e.endswith("emits"), e)):
            lines.append(f"{edge:<22} {', '.join(sorted(edges[edge]))}")
    problems = loops(services)
    lines += ["", *problems] if problems else ["", "no service consumes a topic it produces"]
    return "\n".join(lines)


def _topic_order(topic: str) -> tuple[int, str]:
    raw = ("cs.usage.v1", "cs.support.v1", "cs.crm.v1")
    return (0 if topic in raw else 1, topic)


def print_topology() -> int:
    services = topology()
    print(render(services))
    return 1 if loops(services) else 0
