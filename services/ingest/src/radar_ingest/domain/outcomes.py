"""What became of the events of one request, by type: accepted, invalid, forbidden or
unavailable. Counted as the request goes, added to the metrics once at its end."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .catalog import type_label


@dataclass
class Outcomes:
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, event_type: object, outcome: str, n: int = 1) -> None:
        self.counts[(type_label(event_type), outcome)] += n
