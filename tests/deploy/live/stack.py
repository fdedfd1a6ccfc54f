"""docker-compose.yml brought up and used as a person would: every container healthy,
every /readyz 200, an event posted with the key the deployment printed reaching the
health API and, as an email, the mail catcher; Prometheus scraping every target with
the alert rules loaded; `down -v` leaving nothing behind."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import yaml

from radar_schemas.codec import encode
from tests.e2e.scenario import OWNER, at_risk_account

from .shell import Shell, StepFailed, wait_until

ROOT = Path(__file__).resolve().parents[3]
COMPOSE_FILE = ROOT / "docker-compose.yml"
# Grafana cannot be built here; its provisioning and dashboards are checked by
# tests/deploy/test_deploy_metrics.py instead.
NOT_RUN = frozenset({"grafana"})
SERVICES = ("ingest", "health", "renewals", "notifier", "console")
ACCOUNT = "acct-compose-1"


class Stack:
    def __init__(self, shell: Shell, docker: str, compose: list[str]):
        self.shell = shell
        self.docker = docker
        self.spec: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
        # A project of its own: its `down --volumes` never touches a deployment of
        # the same file that someone runs on this machine.
        self.project = f"{self.spec['name']}-compose-test"
        self.compose = [
            *compose,
            *("--file", str(COMPOSE_FILE), "--project-directory", str(ROOT)),
            *("--project-name", self.project),
        ]
        self.services = [name for name in self.spec["services"] if name not in NOT_RUN]

    def images(self) -> dict[str, str]:
        return {name: spec["image"] for name, spec in self.spec["services"].items()}

    def port(self, service: str, container_port: int | None = None) -> int:
        """The host port a service publishes (its only one, or the one for `container_port`)."""
        for mapping in self.spec["services"][service]["ports"]:
            _ip, host, container = str(mapping).split(":")
            if container_port is None or int(container) == container_port:
                return int(host)
        raise StepFailed(f"{service} publishes no port {container_port}")

    def url(self, service: str, path: str, container_port: int | None = None) -> str:
        return f"http://127.0.0.1:{self.port(service, container_port)}{path}"

    # -- life cycle -------------------------------------------------------------------

    def build(self) -> None:
        built = [name for name in self.services if "build" in self.spec["services"][name]]
        self.shell.run([*self.compose, "build", *built], env={"DOCKER_BUILDKIT": "1"})

    def up(self) -> None:
        """Nothing left from an earlier run, then up and healthy (compose waits)."""
        self.down()
        try:
            self.shell.run(
                [
                    *self.compose,
                    "up",
                    "--detach",
                    "--wait",
                    "--wait-timeout",
                    "300",
                    "--pull",
                    "never",
                    "--no-build",
                    *self.services,
                ],
                timeout=600,
            )
        except StepFailed:
            self.shell.run([*self.compose, "logs", "--no-color", "--tail", "80"], check=False)
            raise

    def down(self) -> None:
        self.shell.run([*self.compose, "down", "--volumes", "--remove-orphans"])

    def leftovers(self) -> dict[str, list[str]]:
        """Containers, volumes and networks of the project still on the engine."""
        label = f"label=com.docker.compose.project={self.project}"
        found = {}
        for kind, args in (
            ("containers", ["ps", "--all", "--quiet", "--filter", label]),
            ("volumes", ["volume", "ls", "--quiet", "--filter", label]),
            ("networks", ["network", "ls", "--quiet", "--filter", label]),
        ):
            found[kind] = self.shell.output([self.docker, *args]).split()
        return found

    # -- checks -----------------------------------------------------------------------

    def containers(self) -> dict[str, str]:
        """Each service's container state, e.g. {'kafka': 'running healthy'}."""
        out = self.shell.output([*self.compose, "ps", "--all", "--format", "json"])
        rows = [json.loads(line) for line in out.splitlines() if line.strip()]
        states = {row["Service"]: f"{row['State']} {row.get('Health') or '-'}" for row in rows}
        unhealthy = {s: st for s, st in states.items() if st != "running healthy"}
        if set(states) != set(self.services) or unhealthy:
            raise StepFailed(f"containers not all running and healthy: {states}")
        return states

    def ready(self) -> dict[str, int]:
        codes = {
            name: httpx.get(self.url(name, "/readyz"), timeout=10).status_code for name in SERVICES
        }
        if any(code != 200 for code in codes.values()):
            raise StepFailed(f"/readyz: {codes}")
        return codes

    def ingest_key(self) -> str:
        """The key the deployment made on first start, read from its logs."""
        logs = self.shell.output([*self.compose, "logs", "--no-color", "ingest"])
        found = re.search(r"ingest: API key (\S+) ", logs)
        if found is None:
            raise StepFailed(f"ingest printed no API key:\n{logs[-2000:]}")
        return found.group(1)

    def post_account(self, key: str) -> int:
        """A scripted at-risk account (its champion leaves, renewal 60 days out) through
        ingest; refused without the key, accepted with it."""
        events = at_risk_account(ACCOUNT)
        url = self.url("ingest", "/v1/events/batch")
        batches = [events[i : i + 500] for i in range(0, len(events), 500)]
        bodies = [b'{"events":[' + b",".join(encode(e) for e in batch) + b"]}" for batch in batches]
        headers = {"Content-Type": "application/json"}
        anonymous = httpx.post(url, content=bodies[0], headers=headers, timeout=30)
        if anonymous.status_code != 401:
            raise StepFailed(f"ingest answered {anonymous.status_code} without a key")
        headers["Authorization"] = f"Bearer {key}"
        accepted = 0
        for body in bodies:
            response = httpx.post(url, content=body, headers=headers, timeout=60)
            if response.status_code != 202:
                raise StepFailed(f"ingest answered {response.status_code}: {response.text[:500]}")
            accepted += len(response.json()["accepted"])
        if accepted != len(events):
            raise StepFailed(f"ingest accepted {accepted} of {len(events)} events")
        return accepted

    def admin_token(self) -> str:
        """The admin API token health made on first start, read from its logs."""
        logs = self.shell.output([*self.compose, "logs", "--no-color", "health"])
        found = re.search(r"admin API token (rrt_\S+) ", logs)
        if found is None:
            raise StepFailed(f"health printed no admin token:\n{logs[-2000:]}")
        return found.group(1)

    def account_health(self, token: str) -> dict[str, Any]:
        """The account as the health API shows it: refused without a token, shown with."""
        url = self.url("health", f"/v1/accounts/{ACCOUNT}/health")
        anonymous = httpx.get(url, timeout=10)
        if anonymous.status_code != 401:
            raise StepFailed(f"health answered {anonymous.status_code} without a token")

        def scored() -> dict[str, Any] | None:
            response = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
            return response.json() if response.status_code == 200 else None

        return wait_until(f"health API knows {ACCOUNT}", scored, timeout=120)

    def console_account(self, token: str) -> str:
        """The account's page in the console, signed in with the admin token the way
        the sign-in page offers (its form token from the page's cookie)."""
        with httpx.Client(base_url=self.url("console", ""), timeout=30) as browser:
            if browser.get(f"/accounts/{ACCOUNT}").status_code not in (302, 303, 307):
                raise StepFailed("the console showed an account page to nobody")
            page = browser.get("/sign-in")
            pre = re.search(r'name="pre" value="([^"]+)"', page.text)
            if page.status_code != 200 or pre is None:
                raise StepFailed(f"console sign-in page: {page.status_code}")
            signed_in = browser.post(
                "/sign-in/token", data={"token": token, "pre": pre.group(1), "next": "/"}
            )
            if signed_in.status_code != 303:
                raise StepFailed(f"console sign-in with the admin token: {signed_in.status_code}")
            account = browser.get(f"/accounts/{ACCOUNT}")
            if account.status_code != 200 or f"Scripted {ACCOUNT}" not in account.text:
                raise StepFailed(f"console account page: {account.status_code}")
            return account.text

    def mail(self) -> list[dict[str, Any]]:
        """The emails about the account, as Mailpit's API lists them, once its owner
        has one (the critical alert goes to the manager too: deploy/config/notifier.toml)."""
        api = self.url("mailpit", "/api/v1/messages", container_port=8025)

        def delivered() -> list[dict[str, Any]] | None:
            messages = [
                m
                for m in httpx.get(api, timeout=10).json()["messages"]
                if f"Scripted {ACCOUNT}" in f"{m['Subject']} {m['Snippet']}"
            ]
            recipients = {to["Address"] for m in messages for to in m["To"]}
            return messages if OWNER in recipients else None

        return wait_until("an email about the account to its owner", delivered, timeout=180)

    def prometheus(self) -> tuple[dict[str, str], dict[str, int]]:
        """Every scrape target's health once all are up, and the rules per group."""
        targets_url = self.url("prometheus", "/api/v1/targets")

        def all_up() -> dict[str, str] | None:
            active = httpx.get(targets_url, timeout=10).json()["data"]["activeTargets"]
            health = {t["labels"]["job"]: t["health"] for t in active}
            return health if health and all(h == "up" for h in health.values()) else None

        targets = wait_until("every Prometheus target up", all_up, timeout=120, interval=3)
        expected = {
            job["job_name"]
            for job in yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())[
                "scrape_configs"
            ]
        }
        if set(targets) != expected:
            raise StepFailed(f"Prometheus scrapes {sorted(targets)}, configured {sorted(expected)}")
        groups = httpx.get(self.url("prometheus", "/api/v1/rules"), timeout=10).json()["data"][
            "groups"
        ]
        loaded = {g["name"]: len(g["rules"]) for g in groups}
        shipped = {
            g["name"]: len(g["rules"])
            for g in yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())["groups"]
        }
        if loaded != shipped:
            raise StepFailed(f"Prometheus loaded {loaded}, alerts.yml has {shipped}")
        return targets, loaded
