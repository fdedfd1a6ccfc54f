"""Process and port helpers shared by the servers the project starts itself."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

LOOPBACK = "127.0.0.1"


class LocalServerError(RuntimeError):
    """A local server could not be prepared, started or stopped."""


def free_port() -> int:
    """A TCP port that is free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def port_accepts(port: int, host: str = LOOPBACK, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def process_alive(pid: int) -> bool:
    """True when `pid` runs; a zombie (exited, not yet reaped) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError):
        # The state follows the parenthesised command name, which may hold spaces.
        return stat.read_text().rpartition(")")[2].split()[0] != "Z"
    return True


def process_cmdline(pid: int) -> str:
    """The command line of `pid` ('' when unknown), to tell our server from a reused pid."""
    with contextlib.suppress(OSError):
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        return raw.replace(b"\0", b" ").decode(errors="replace")
    # No /proc (macOS): ask ps.
    result = subprocess.run(
        ["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    return result.stdout.strip()


def wait_gone(pid: int, timeout: float, popen: subprocess.Popen[bytes] | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if popen is not None:
            # Our own child must be reaped, or it lingers as a zombie.
            if popen.poll() is not None:
                return True
        elif not process_alive(pid):
            return True
        time.sleep(0.05)
    return False


def terminate(
    pid: int,
    *,
    timeout: float,
    group: bool,
    popen: subprocess.Popen[bytes] | None = None,
    first_signal: signal.Signals = signal.SIGTERM,
) -> None:
    """Ask `pid` to stop with `first_signal`, SIGKILL it if still there after `timeout`."""

    def send(sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            if group:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)

    send(first_signal)
    if wait_gone(pid, timeout, popen):
        return
    send(signal.SIGKILL)
    if not wait_gone(pid, 10, popen):
        raise LocalServerError(f"process {pid} survived SIGKILL")


def log_tail(path: Path, lines: int = 40, *, since: int = 0) -> str:
    """The last `lines` lines of `path`, ignoring the first `since` bytes (earlier runs)."""
    try:
        with path.open("rb") as handle:
            handle.seek(since)
            text = handle.read().decode(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


class DataDirLock:
    """Exclusive owner lock on a server's data directory.

    The kernel drops an flock when its holder dies, even by SIGKILL, so a held lock means
    a live owner, while a server recorded in the directory without a held lock is a
    leftover from a killed run that is safe to stop.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / ".radar-owner.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise LocalServerError(
                f"{self.path.parent} is in use by another process (pid {owner})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Blocking exclusive lock, so parallel processes take turns on a shared resource."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def try_lock_free(path: Path) -> bool:
    """True when nobody holds the flock on `path` (checked, not kept)."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True
