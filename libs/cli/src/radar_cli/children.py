"""The processes `radar up` starts itself (the services and the local sinks), recorded
under `RADAR_HOME/run` so that the next `radar up` stops those a killed run left behind.

The scheme of the broker and PostgreSQL: an owner lock (`DataDirLock`, which the kernel
drops when its holder dies, even by SIGKILL) and a pid file per child. A live process
recorded there while nobody holds the lock is a leftover; it is signalled only when its
command line and start time are still the recorded ones, so a reused pid is left alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from radar_runtime.local.process import (
    DataDirLock,
    LocalServerError,
    process_alive,
    process_cmdline,
    wait_gone,
)

# Services finish their batch and flush on SIGTERM; a few seconds is plenty.
LEFTOVER_GRACE = 10.0


def process_start_time(pid: int) -> str:
    """When `pid` started ('' when unknown); a later process given the same pid differs."""
    stat = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").exists():
        with contextlib.suppress(OSError, IndexError):
            # Field 22 (clock ticks after boot), counted after the parenthesised command
            # name, which may hold spaces.
            return stat.read_text().rpartition(")")[2].split()[19]
        return ""
    # No /proc (macOS): ask ps.
    with contextlib.suppress(OSError):
        result = subprocess.run(
            ["ps", "-o", "lstart=", "-p", str(pid)], capture_output=True, text=True, check=False
        )
        return result.stdout.strip()
    return ""


@dataclass(frozen=True)
class Identity:
    pid: int
    command: str
    started: str

    @classmethod
    def of(cls, pid: int) -> Identity:
        try:
            command = process_cmdline(pid).strip()
        except OSError:  # gone, and no ps to ask
            command = ""
        return cls(pid, command, process_start_time(pid))

    def running(self) -> bool:
        """True when this very process still runs (not another one that got its pid)."""
        return bool(self.command) and process_alive(self.pid) and Identity.of(self.pid) == self


class ChildRecords:
    """Pid files of one owner's children in `run_dir`, guarded by the owner lock."""

    def __init__(self, run_dir: Path, grace: float = LEFTOVER_GRACE) -> None:
        self.run_dir = run_dir.resolve()
        self.grace = grace
        self._lock = DataDirLock(self.run_dir)

    def acquire(self) -> list[str]:
        """Own `run_dir`, stop the children a killed owner left, and name them."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except LocalServerError:
            owner = self._lock.path.read_text().strip() or "unknown"
            raise LocalServerError(
                f"another radar up (pid {owner}) is running with {self.run_dir.parent}; "
                "stop it first"
            ) from None
        try:
            return stop_leftovers(self.run_dir, self.grace)
        except BaseException:
            self._lock.release()
            raise

    def release(self) -> None:
        self._lock.release()

    def record(self, name: str, process: subprocess.Popen[bytes]) -> None:
        if not self._lock.held():
            raise LocalServerError(f"{self.run_dir} is not acquired")
        # The command line as /proc will show it: right after the spawn /proc may still
        # show none while the exec completes.
        given = process.args
        args = [given] if isinstance(given, str | bytes | os.PathLike) else list(given)
        command = " ".join(os.fsdecode(arg) for arg in args)
        identity = Identity(process.pid, command, process_start_time(process.pid))
        path = self._pid_file(name)
        # Written whole then renamed: a kill mid-write must not leave a half record.
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps(asdict(identity)) + "\n")
        partial.replace(path)

    def forget(self, name: str) -> None:
        self._pid_file(name).unlink(missing_ok=True)

    def _pid_file(self, name: str) -> Path:
        return self.run_dir / f"{name}.pid"


def stop_leftovers(run_dir: Path, grace: float = LEFTOVER_GRACE) -> list[str]:
    """SIGTERM every recorded child still running, SIGKILL those left after `grace`.

    The caller holds the owner lock, so nobody else owns what is recorded here.
    """
    found: dict[Path, Identity] = {}
    for path in sorted(run_dir.glob("*.pid")):
        try:
            data = json.loads(path.read_text())
            recorded = Identity(int(data["pid"]), str(data["command"]), str(data["started"]))
        except (OSError, ValueError, TypeError, KeyError):
            path.unlink(missing_ok=True)
            continue
        if recorded.running():
            found[path] = recorded
        else:
            path.unlink(missing_ok=True)
    # Signalled together, so the grace is waited once rather than once per process.
    for identity in found.values():
        _signal(identity.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for path, identity in found.items():
        if not wait_gone(identity.pid, max(0.0, deadline - time.monotonic())):
            _signal(identity.pid, signal.SIGKILL)
            if not wait_gone(identity.pid, 10):
                raise LocalServerError(f"process {identity.pid} survived SIGKILL")
        path.unlink(missing_ok=True)
    return [f"{path.stem} (pid {identity.pid})" for path, identity in found.items()]


def _signal(pid: int, sig: signal.Signals) -> None:
    # Children run in their own session: the whole group goes, helpers included.
    with contextlib.suppress(ProcessLookupError):
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


def owns_listener(pid: int, port: int) -> bool | None:
    """Whether `pid` holds the socket listening on TCP `port`; None where /proc cannot
    tell. A reply on the port proves nothing by itself: another process may hold it."""
    sockets: set[str] = set()
    tables = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        tables += 1
        for line in lines:
            fields = line.split()
            # local_address is ADDR:PORT in hex; state 0A is LISTEN; field 9 the inode.
            listening = len(fields) > 9 and fields[3] == "0A"
            if listening and int(fields[1].rpartition(":")[2], 16) == port:
                sockets.add(f"socket:[{fields[9]}]")
    if not tables:
        return None
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        fds = list(fd_dir.iterdir())
    except FileNotFoundError:
        return False
    except OSError:
        return None
    for fd in fds:
        with contextlib.suppress(OSError):
            if os.readlink(fd) in sockets:
                return True
    return False
