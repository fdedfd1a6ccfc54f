"""`make compose-test` (python -m tests.deploy.live): the compose deployment built and
run here, then the Kubernetes manifests through a real API server. `make k8s-check`
runs the second part alone (python -m tests.deploy.live k8s).

What it builds is kept in the cache directory ($RADAR_CACHE_DIR or
~/.cache/renewal-radar, under compose-test/), images in the Docker engine: a second
run rebuilds nothing that did not change."""

from __future__ import annotations

import re
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from . import k8s
from .engine import compose_command, engine
from .gobuild import GoBuilder
from .images import Images
from .shell import Shell, StepFailed, work_dir
from .stack import SERVICES, Stack

ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def compose_test(shell: Shell, go: GoBuilder, root: Path) -> None:
    with ExitStack() as running:
        with shell.step("a Docker engine"):
            docker = running.enter_context(engine(shell, root))
            shell.say(shell.output([docker, "version", "--format", "engine {{.Server.Version}}"]))
        with shell.step("Docker Compose v2"):
            compose = compose_command(docker, go)
            shell.say(shell.output([*compose, "version"]))
        stack = Stack(shell, docker, compose)
        build_images(shell, go, root, docker, stack)
        try:
            with shell.step("docker compose up --wait"):
                stack.up()
            use_as_a_person_would(shell, stack)
        finally:
            with shell.step("docker compose down --volumes"):
                stack.down()
                left = stack.leftovers()
                if any(left.values()):
                    raise StepFailed(f"left behind after down: {left}")
                shell.say("no container, volume or network of the project is left")


def build_images(shell: Shell, go: GoBuilder, root: Path, docker: str, stack: Stack) -> None:
    images = Images(shell, docker, root)
    with shell.step("stand-in images (all but Grafana)"):
        wanted = {**stack.images(), **_dockerfile_images()}
        images.all_stand_ins(go, wanted)
        for name in ("python", "uv", "kafka", "postgres", "prometheus", "mailpit"):
            shell.say(f"{wanted[name]}: {images.size(wanted[name]) / 2**20:.0f} MiB")
    with shell.step("service images from deploy/Dockerfile"):
        stack.build()
        base = images.size(wanted["python"])
        for name in SERVICES:
            tag = stack.images()[name]
            facts = service_image_facts(shell, docker, tag)
            size, added = images.size(tag) / 2**20, (images.size(tag) - base) / 2**20
            shell.say(f"{tag}: {size:.0f} MiB ({added:.0f} over {wanted['python']}), {facts}")


def use_as_a_person_would(shell: Shell, stack: Stack) -> None:
    with shell.step("every container running and healthy"):
        for service, state in stack.containers().items():
            shell.say(f"{service}: {state}")
    with shell.step("every /readyz answers 200"):
        shell.say(str(stack.ready()))
    with shell.step("an account posted with the printed key reaches the health API"):
        key = stack.ingest_key()
        shell.say(f"key from `docker compose logs ingest`: {key[:8]}…")
        accepted = stack.post_account(key)
        shell.say(f"ingest: 401 without the key, 202 with it for {accepted} events")
        token = stack.admin_token()
        shell.say(f"admin token from `docker compose logs health`: {token[:8]}…")
        health = stack.account_health(token)
        shell.say("health: 401 without the token, the account with it")
        shell.say(
            f"health: score {health.get('score')}, band {health.get('band')}, "
            f"{len(health['components'])} components"
        )
    with shell.step("the console shows the account to a signed-in person"):
        page = stack.console_account(token)
        shell.say(f"console: sign-in asked first, then the account page ({len(page)} bytes)")
    with shell.step("the alert reaches the mail catcher"):
        for mail in stack.mail():
            to = ", ".join(t["Address"] for t in mail["To"])
            shell.say(f"Mailpit: {mail['Subject']!r} to {to}")
    with shell.step("Prometheus scrapes every target and loaded the alert rules"):
        targets, rules = stack.prometheus()
        shell.say(f"targets: {targets}")
        shell.say(f"rule groups: {rules}")


def service_image_facts(shell: Shell, docker: str, tag: str) -> str:
    """Non-root, a HEALTHCHECK, no uv or compiler in the final image."""
    user, check = shell.output(
        [docker, "image", "inspect", "--format", "{{.Config.User}}|{{.Config.Healthcheck}}", tag]
    ).split("|", 1)
    if user.split(":")[0] in ("", "0", "root") or "healthz" not in check:
        raise StepFailed(f"{tag}: user {user!r}, healthcheck {check!r}")
    tools = shell.output(
        [
            docker,
            "run",
            "--rm",
            "--entrypoint",
            "sh",
            tag,
            "-c",
            "for t in uv gcc cc make; do command -v $t; done; true",
        ]
    )
    if tools:
        raise StepFailed(f"{tag} carries build tools: {tools.split()}")
    return f"user {user}, HEALTHCHECK, no uv or compiler"


def _dockerfile_images() -> dict[str, str]:
    """The images deploy/Dockerfile starts from: Python's and uv's."""
    text = DOCKERFILE.read_text()
    python = {m for m in re.findall(r"^FROM (\S+)", text, re.MULTILINE)}
    uv = set(re.findall(r"--from=(ghcr\.io/astral-sh/uv:\S+)", text))
    if len(python) != 1 or len(uv) != 1:
        raise StepFailed(f"deploy/Dockerfile: expected one base and one uv image: {python} {uv}")
    return {"python": python.pop(), "uv": uv.pop()}


def k8s_check(shell: Shell, go: GoBuilder) -> None:
    versions = f"Kubernetes {k8s.KUBERNETES_VERSION}, etcd {k8s.ETCD_VERSION}"
    with shell.step(f"kube-apiserver, kubectl and etcd ({versions})"):
        tools = k8s.build_tools(go)
    with shell.step("deploy/k8s through the API server's dry run"):
        started = time.monotonic()
        with k8s.api_server(shell, tools) as kubeconfig:
            shell.say(f"API server ready after {time.monotonic() - started:.1f} s")
            kinds = k8s.check_manifests(shell, tools, kubeconfig)
            shell.say("accepted: " + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())))


def main(argv: list[str]) -> int:
    parts = argv or ["compose", "k8s"]
    unknown = set(parts) - {"compose", "k8s"}
    if unknown:
        print(f"usage: python -m tests.deploy.live [compose] [k8s]; unknown: {unknown}")
        return 2
    root = work_dir()
    shell = Shell(root / "logs" / time.strftime("%Y%m%d-%H%M%S"))
    started = time.monotonic()
    try:
        go = GoBuilder(shell, root)
        if "compose" in parts:
            compose_test(shell, go, root)
        if "k8s" in parts:
            k8s_check(shell, go)
    except StepFailed as failure:
        print(f"\nFAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        print("\nsteps:")
        for title, seconds in shell.timings:
            print(f"  {seconds:7.1f} s  {title}")
        print(f"  {time.monotonic() - started:7.1f} s  in all (logs: {shell.log_dir})")
    print(" and ".join(parts) + ": passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
