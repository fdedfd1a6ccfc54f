"""A Docker engine that answers, and Docker Compose v2 to drive it.

The machine's engine when one answers. Otherwise Debian's `docker.io` is installed and
`dockerd` started in the background (no systemd needed) on a socket of its own, so
nothing else on the machine sees an engine appear (the test fixtures would switch to
testcontainers), and stopped at the end; images stay in its data root for the next run.
Compose v2 is `docker compose` when the machine has it, else built from its Go module.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from radar_runtime.local.process import terminate

from .gobuild import GoBuilder
from .shell import Shell, StepFailed, wait_until

COMPOSE_MODULE = "github.com/docker/compose/v2"
COMPOSE_VERSION = "v2.40.3"


def _answers(docker: str) -> bool:
    probe = subprocess.run(
        [docker, "version", "--format", "{{.Server.Version}}"],
        capture_output=True,
        timeout=30,
        check=False,
    )
    return probe.returncode == 0


@contextmanager
def engine(shell: Shell, root: Path) -> Iterator[str]:
    """The docker CLI to use while the block runs, the engine behind it answering."""
    docker = shutil.which("docker")
    if docker and _answers(docker):
        yield docker
        return
    if shutil.which("dockerd") is None:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            raise StepFailed(
                "no Docker engine answers and this is not a root Debian shell to install "
                "one: start Docker (or install Debian's docker.io) and run this again"
            )
        shell.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", "docker.io"],
            env={"DEBIAN_FRONTEND": "noninteractive"},
            timeout=1200,
        )
    docker = shutil.which("docker")
    if docker is None:
        raise StepFailed("dockerd is installed but no docker CLI is on PATH")
    socket = root / "engine" / "docker.sock"
    socket.parent.mkdir(parents=True, exist_ok=True)
    log = root / "engine" / "dockerd.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            ["dockerd", f"--host=unix://{socket}", f"--pidfile={root / 'engine' / 'docker.pid'}"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    previous = os.environ.get("DOCKER_HOST")
    os.environ["DOCKER_HOST"] = f"unix://{socket}"
    try:
        wait_until(
            f"dockerd answers (log: {log})",
            lambda: True if _answers(docker) else None,
            timeout=60,
        )
        yield docker
    finally:
        terminate(process.pid, timeout=60, group=False, popen=process)
        if previous is None:
            os.environ.pop("DOCKER_HOST", None)
        else:
            os.environ["DOCKER_HOST"] = previous


def compose_command(docker: str, go: GoBuilder) -> list[str]:
    """`docker compose` if it is Compose v2 here, else the binary built from its module
    (a standalone docker-compose binary is the same program as the CLI plugin)."""
    probe = subprocess.run(
        [docker, "compose", "version", "--short"], capture_output=True, check=False
    )
    if probe.returncode == 0 and probe.stdout.decode().strip().lstrip("v")[:1] >= "2":
        return [docker, "compose"]
    # `go install` refuses this module (its go.mod has exclude directives): build it in
    # a copy of its source, as deploy/README.md describes.
    binary = go.build(
        COMPOSE_MODULE,
        COMPOSE_VERSION,
        {"docker-compose": "./cmd"},
        ldflags=f"-s -w -X {COMPOSE_MODULE}/internal.Version={COMPOSE_VERSION}",
    )["docker-compose"]
    return [str(binary)]
