"""A plain-text progress bar on stderr: `[#####.....] 52% 104,000/200,000 events 8,100/s`.

On a terminal it redraws one line; into a file or pipe (CI logs) it writes a line every
10 % instead, so a log is not flooded with carriage returns.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

WIDTH = 30


class Progress:
    def __init__(
        self,
        total: int,
        *,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        redraw_every: float = 0.1,
    ) -> None:
        self.total = max(total, 0)
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.started = clock()
        self.redraw_every = redraw_every
        self.live = self.stream.isatty()
        self._drawn_at = float("-inf")
        self._logged_tenths = -1

    def advance(self, count: int) -> None:
        self.done += count
        now = self.clock()
        if self.live:
            if now - self._drawn_at >= self.redraw_every:
                self._drawn_at = now
                self.stream.write("\r" + self.line())
                self.stream.flush()
        else:
            tenths = self.done * 10 // self.total if self.total else 10
            if tenths > self._logged_tenths and tenths < 10:
                self._logged_tenths = tenths
                self.stream.write(self.line() + "\n")
                self.stream.flush()

    def finish(self) -> None:
        self.stream.write(("\r" if self.live else "") + self.line() + "\n")
        self.stream.flush()

    def rate(self) -> float:
        elapsed = self.clock() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def line(self) -> str:
        share = min(self.done / self.total, 1.0) if self.total else 1.0
        filled = round(share * WIDTH)
        bar = "#" * filled + "." * (WIDTH - filled)
        return (
            f"[{bar}] {share * 100:3.0f}% {self.done:,}/{self.total:,} events {self.rate():,.0f}/s"
        )
