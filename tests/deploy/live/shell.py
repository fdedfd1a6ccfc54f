"""Commands and timed steps: each step's output goes to a log file of its own, and a
failure prints the end of that log."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from radar_runtime.local import cache_dir

T = TypeVar("T")


class StepFailed(Exception):
    """A command or a check failed; the message says which and why."""


def work_dir() -> Path:
    """Where the builds and images' inputs are kept between runs."""
    path = cache_dir() / "compose-test"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Shell:
    log_dir: Path
    timings: list[tuple[str, float]] = field(default_factory=list)
    _log: Path | None = None

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        """A timed step; its commands log to `<log_dir>/<n>-<title>.log`."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        slug = "-".join(title.lower().replace("/", " ").split())[:48]
        self._log = self.log_dir / f"{len(self.timings) + 1:02d}-{slug}.log"
        self._log.write_text("")
        print(f"== {title}", flush=True)
        started = time.monotonic()
        try:
            yield
        finally:
            elapsed = time.monotonic() - started
            self.timings.append((title, elapsed))
            print(f"   {elapsed:.1f} s", flush=True)

    def say(self, line: str) -> None:
        print(f"   {line}", flush=True)

    def run(
        self,
        args: Sequence[str | Path],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        stdin: bytes | None = None,
        timeout: float = 3600,
        check: bool = True,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run a command; its output goes to the step's log and is returned too."""
        command = [str(a) for a in args]
        log = self._log or self.log_dir / "commands.log"
        with log.open("ab") as out:
            out.write(f"$ {' '.join(command)}\n".encode())
            out.flush()
            result = subprocess.run(
                command,
                input=stdin,
                capture_output=True,
                env={**os.environ, **(env or {})},
                cwd=cwd,
                timeout=timeout,
                check=False,
            )
            out.write(result.stdout + result.stderr)
        if check and result.returncode != 0:
            tail = (result.stdout + result.stderr).decode(errors="replace")[-3000:]
            raise StepFailed(
                f"`{' '.join(command)}` exited {result.returncode} (log: {log}):\n{tail}"
            )
        return result

    def output(self, args: Sequence[str | Path], *, env: Mapping[str, str] | None = None) -> str:
        return self.run(args, env=env).stdout.decode().strip()


def wait_until(
    what: str, probe: Callable[[], T | None], timeout: float, interval: float = 1.0
) -> T:
    """Call `probe` until it returns something other than None (or raise StepFailed)."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while True:
        try:
            value = probe()
        except Exception as exc:  # a connection refused is just "not yet"
            value, last = None, exc
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise StepFailed(f"{what}: not within {timeout:.0f} s (last error: {last})")
        time.sleep(interval)
