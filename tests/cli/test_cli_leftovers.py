"""`radar up` after a `radar up` that was SIGKILLed: the children it recorded are
stopped, a reused pid is left alone, a port held by anything else fails the start at
once, and a service counts as ready only when the process started answers.

Real processes throughout; a tiny HTTP server stands in for a service so each test
takes about a second."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from radar_cli import sinks, stack
from radar_cli.children import ChildRecords, Identity
from radar_cli.processes import ServiceProcesses, StartupError
from radar_cli.services import ServiceProcess
from radar_runtime.local.process import (
    LOOPBACK,
    LocalServerError,
    free_port,
    port_accepts,
    process_alive,
)

pytestmark = pytest.mark.timeout(60)

# `python -m radar_fake`: answers /readyz on RADAR_FAKE_PORT, like a service would.
FAKE_SERVICE = """
import http.server, os, signal, sys, time

if os.environ.get("FAKE_IGNORE_SIGTERM"):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
time.sleep(float(os.environ.get("FAKE_DELAY", "0")))
if os.environ.get("FAKE_FAIL"):
    print("boom: the fake service gives up", flush=True)
    sys.exit(3)

class Ready(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass

port = int(os.environ["RADAR_FAKE_PORT"])
http.server.HTTPServer(("127.0.0.1", port), Ready).serve_forever()
"""


@pytest.fixture
def fake_env(tmp_path: Path) -> dict[str, str]:
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "radar_fake.py").write_text(FAKE_SERVICE)
    path = os.pathsep.join(p for p in (str(modules), os.environ.get("PYTHONPATH")) if p)
    return {"PYTHONPATH": path}


@pytest.fixture
def run_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "home" / "run"
    yield path
    # Whatever a failed test left behind, so no process outlives the test.
    records = ChildRecords(path, grace=1)
    with contextlib.suppress(OSError):
        records.acquire()
    records.release()


def services(port: int) -> list[ServiceProcess]:
    return [ServiceProcess("fake", port)]


@contextlib.contextmanager
def listener(port: int, *, ready: bool = False) -> Iterator[None]:
    """An unrelated process's listener on `port` (this test's), answering 200 if `ready`."""

    class Ready(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    if not ready:
        with socket.socket() as sock:
            sock.bind((LOOPBACK, port))
            sock.listen()
            yield
        return
    server = http.server.HTTPServer((LOOPBACK, port), Ready)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def start_owner(
    run_dir: Path, env: dict[str, str], port: int, logs: Path
) -> tuple[subprocess.Popen[str], int]:
    """A stand-in for `radar up`: records and starts the fake service, then waits."""
    code = f"""
        import sys
        from pathlib import Path
        from radar_cli.children import ChildRecords
        from radar_cli.processes import ServiceProcesses
        from radar_cli.services import ServiceProcess
        records = ChildRecords(Path({str(run_dir)!r}))
        records.acquire()
        processes = ServiceProcesses(
            {env!r}, Path({str(logs)!r}), [ServiceProcess("fake", {port})], records=records
        )
        processes.start()
        processes.wait_ready(timeout=20)
        print(processes.processes["fake"].pid, flush=True)
        sys.stdin.read()
        """
    # Waiting on stdin ends the owner with this process, should the test itself be killed.
    owner = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert owner.stdout is not None
    return owner, int(owner.stdout.readline())


def test_children_of_a_killed_owner_are_stopped_and_replaced(
    run_dir: Path, fake_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    owner, leftover = start_owner(run_dir, fake_env, port, tmp_path / "logs")
    try:
        with pytest.raises(LocalServerError, match=f"another radar up \\(pid {owner.pid}\\)"):
            ChildRecords(run_dir).acquire()
    finally:
        owner.kill()  # as SIGKILL would: no cleanup runs
        owner.wait()
    assert process_alive(leftover)
    assert port_accepts(port)

    records = ChildRecords(run_dir)
    assert records.acquire() == [f"fake (pid {leftover})"]
    try:
        assert not process_alive(leftover)
        processes = ServiceProcesses(fake_env, tmp_path / "logs", services(port), records)
        processes.start()
        processes.wait_ready(timeout=20)
        assert processes.processes["fake"].pid != leftover
        assert (run_dir / "fake.pid").exists()
        processes.stop()
        assert not (run_dir / "fake.pid").exists()
    finally:
        records.release()


def test_a_leftover_ignoring_sigterm_is_killed_after_the_grace(
    run_dir: Path, fake_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**fake_env, "FAKE_IGNORE_SIGTERM": "1"}
    owner, leftover = start_owner(run_dir, env, free_port(), tmp_path / "logs")
    owner.kill()
    owner.wait()
    records = ChildRecords(run_dir, grace=0.5)
    assert records.acquire() == [f"fake (pid {leftover})"]
    records.release()
    assert not process_alive(leftover)


@pytest.mark.parametrize("changed", ["command", "started"])
def test_a_recorded_pid_now_held_by_another_process_is_left_alone(
    run_dir: Path, changed: str
) -> None:
    """The pid was reused: the process there has another command line, or the same one
    but a later start (the recorded start time is not its own)."""
    unrelated = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
    )
    try:
        identity = Identity.of(unrelated.pid)
        record = {
            "pid": unrelated.pid,
            "command": f"{sys.executable} -m radar_health",
            "started": identity.started,
        }
        if changed == "started":
            record |= {"command": identity.command, "started": "1"}
        run_dir.mkdir(parents=True)
        (run_dir / "health.pid").write_text(json.dumps(record))

        records = ChildRecords(run_dir, grace=0.5)
        assert records.acquire() == []
        records.release()
        assert unrelated.poll() is None
        assert not (run_dir / "health.pid").exists()
    finally:
        unrelated.kill()
        unrelated.wait()


def test_a_port_held_by_another_process_fails_the_start_at_once(
    run_dir: Path, fake_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    records = ChildRecords(run_dir)
    records.acquire()
    try:
        processes = ServiceProcesses(fake_env, tmp_path / "logs", services(port), records)
        with listener(port), pytest.raises(StartupError) as failure:
            processes.start()
        assert str(failure.value) == (
            f"port {port} (fake) is already in use on 127.0.0.1: stop what listens there "
            "(another radar up, perhaps with another RADAR_HOME) and retry"
        )
        assert processes.processes == {}
        assert list(run_dir.glob("*.pid")) == []
    finally:
        records.release()


def test_a_port_held_by_another_process_fails_the_sinks_at_once(tmp_path: Path) -> None:
    port = free_port()
    local = sinks.LocalSinks(tmp_path, slack_port=port, smtp_port=free_port())
    with listener(port), pytest.raises(StartupError, match=f"port {port} \\(Slack sink\\)"):
        local.start({})
    assert local._process is None


def test_a_service_exiting_during_start_fails_the_wait_with_its_log(
    fake_env: dict[str, str], tmp_path: Path
) -> None:
    processes = ServiceProcesses(
        {**fake_env, "FAKE_FAIL": "1"}, tmp_path / "logs", services(free_port())
    )
    processes.start()
    with pytest.raises(StartupError, match=r"(?s)fake exited with 3 during start-up.*boom"):
        processes.wait_ready(timeout=20)


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs /proc to tell owners")
def test_another_process_answering_on_the_port_is_not_taken_for_the_service(
    fake_env: dict[str, str], tmp_path: Path
) -> None:
    """The port is free when checked, then taken before the service binds it: its
    replies must not make the service count as ready."""
    port = free_port()
    processes = ServiceProcesses({**fake_env, "FAKE_DELAY": "1"}, tmp_path / "logs", services(port))
    processes.start()
    try:
        with listener(port, ready=True), pytest.raises(StartupError) as failure:
            processes.wait_ready(timeout=20)
        assert "fake exited with 1 during start-up" in str(failure.value)
        assert "Address already in use" in str(failure.value)
    finally:
        processes.stop()


def test_stop_leaves_no_record(run_dir: Path, fake_env: dict[str, str], tmp_path: Path) -> None:
    records = ChildRecords(run_dir)
    records.acquire()
    try:
        processes = ServiceProcesses(fake_env, tmp_path / "logs", services(free_port()), records)
        processes.start()
        processes.wait_ready(timeout=20)
        pid = processes.processes["fake"].pid
        assert json.loads((run_dir / "fake.pid").read_text())["pid"] == pid
        processes.kill("fake")
        assert not (run_dir / "fake.pid").exists()
        assert processes.exited() == {"fake": -signal.SIGKILL}
    finally:
        records.release()


def test_radar_up_fails_on_a_taken_port_before_starting_any_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setattr(stack, "SERVICES", (ServiceProcess("health", port),))
    monkeypatch.setenv("RADAR_NOTIFIER_SMTP_HOST", "127.0.0.1")  # no local sinks

    def no_broker(self: stack.LocalStack) -> str:
        raise AssertionError("the broker must not start when a service port is taken")

    monkeypatch.setattr(stack.LocalStack, "_broker", no_broker)
    local = stack.LocalStack(tmp_path / "home")
    try:
        with listener(port), pytest.raises(StartupError, match=f"port {port} \\(health\\)"):
            local.start()
    finally:
        local.stop()
    # The run directory is free again for the next `radar up`.
    records = ChildRecords(tmp_path / "home" / "run")
    assert records.acquire() == []
    records.release()
