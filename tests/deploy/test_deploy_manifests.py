"""docker-compose.yml, the Kubernetes manifests and the Dockerfiles agree with the
services: ports, probes, and every RADAR_<SERVICE>_ variable naming a real setting."""

from __future__ import annotations

import fnmatch
import importlib.util
import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Callable
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from radar_health.rules import HealthRules
from radar_ingest.keys import load_keyring
from radar_ingest.settings import IngestSettings
from radar_notifier.domain.channels import slack_webhook_env_var
from radar_notifier.rules import NotifierRules
from radar_renewals.rules import read_rules as load_renewals_config
from radar_runtime.rules import load_rules
from radar_schemas.topics import RAW_TOPICS, TOPIC_BY_TYPE

ROOT = Path(__file__).resolve().parents[2]
SERVICE_NAMES = ("ingest", "health", "renewals", "notifier")
DATABASE_SERVICES = ("health", "renewals", "notifier")
RULE_LOADERS: dict[str, Callable[[Path], object]] = {
    "health": partial(load_rules, HealthRules, "radar_health"),
    "renewals": load_renewals_config,
    "notifier": partial(load_rules, NotifierRules, "radar_notifier"),
}
_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


@pytest.fixture(params=SERVICE_NAMES)
def service(request: pytest.FixtureRequest, services: list[Any]) -> Any:
    return next(s for s in services if s.name == request.param)


# -- docker-compose.yml -----------------------------------------------------------


def _interpolate(value: object) -> str:
    """A compose value as `docker compose` would see it with nothing set in the
    environment: ${VAR:-default} gives the default, ${VAR} gives ""."""

    def replace(match: re.Match[str]) -> str:
        operator, default = match.group(2), match.group(3)
        if operator and operator.endswith("?"):
            raise AssertionError(f"${{{match.group(1)}}} is required: compose would not start")
        return default or ""

    text = str(value).replace("$$", "\0")
    return _INTERPOLATION.sub(replace, text).replace("\0", "$")


def _compose_env(compose: dict[str, Any], name: str) -> dict[str, str]:
    environment = compose["services"][name].get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {key: _interpolate(value) for key, value in environment.items()}


def _compose_host_path(compose: dict[str, Any], name: str, container_path: str) -> Path:
    """The repository file a container path of a compose service is mounted from."""
    wanted = PurePosixPath(container_path)
    for volume in compose["services"][name].get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith(".") and wanted.is_relative_to(target):
            return ROOT / source / wanted.relative_to(target)
    raise AssertionError(f"{name}: {container_path} is not mounted from the repository")


def test_compose_runs_every_service(compose: dict[str, Any]) -> None:
    for name in (*SERVICE_NAMES, "kafka", "postgres", "prometheus", "grafana"):
        assert name in compose["services"], f"docker-compose.yml has no {name}"


def test_compose_service_env_names_real_settings(compose: dict[str, Any], service: Any) -> None:
    env = _compose_env(compose, service.name)
    assert not service.unknown_env(env), (
        f"{service.name}: variables its settings class does not read: {service.unknown_env(env)}"
    )
    for other in SERVICE_NAMES:
        if other != service.name:
            stray = [k for k in env if k.upper().startswith(f"RADAR_{other.upper()}_")]
            assert not stray, f"{service.name} is given {other}'s settings: {stray}"


def test_compose_service_port_and_probe(
    compose: dict[str, Any], service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = compose["services"][service.name]
    settings = service.settings_from(_compose_env(compose, service.name), monkeypatch)
    assert settings.port == service.port, "compose changes the service's default port"
    assert settings.host == "0.0.0.0", "the service must listen beyond the container's loopback"
    container_ports = [int(str(p).split(":")[-1]) for p in spec["ports"]]
    assert container_ports == [service.port]
    for mapping in spec["ports"]:
        assert str(mapping).startswith("127.0.0.1:"), "publish on the host's loopback only"
    probe = " ".join(spec["healthcheck"]["test"])
    assert f"http://127.0.0.1:{service.port}/readyz" in probe
    assert spec["build"] == {
        "context": ".",
        "dockerfile": "deploy/Dockerfile",
        "args": {"SERVICE": service.name, "PORT": service.port},
    }


def test_compose_services_wait_for_healthy_dependencies(
    compose: dict[str, Any], service: Any
) -> None:
    depends = compose["services"][service.name]["depends_on"]
    needed = {"kafka"} | ({"postgres"} if service.name in DATABASE_SERVICES else set())
    for dependency in needed:
        assert depends[dependency]["condition"] == "service_healthy", dependency
        assert "healthcheck" in compose["services"][dependency], dependency


def test_compose_points_services_at_kafka_and_postgres(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]
    assert kafka["image"] == "apache/kafka:3.9.1"
    assert "PLAINTEXT://kafka:9092" in kafka["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    postgres = compose["services"]["postgres"]
    assert re.fullmatch(r"postgres:1[78](\D.*)?", postgres["image"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    pg_env = _compose_env(compose, "postgres")
    for name in SERVICE_NAMES:
        env = _compose_env(compose, name)
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        if name in DATABASE_SERVICES:
            url = env["DATABASE_URL"]
            assert url.startswith(f"postgresql+asyncpg://{pg_env['POSTGRES_USER']}:")
            assert url.endswith(f"@postgres:5432/{pg_env['POSTGRES_DB']}")
        else:
            assert "DATABASE_URL" not in env, f"{name} keeps no state: no database credentials"


def test_compose_dependencies_can_be_met(compose: dict[str, Any]) -> None:
    """`docker compose config` accepts `service_healthy` on a service without a
    healthcheck; `up` then fails. Every dependency exists and can report its condition."""
    services = compose["services"]
    for name, spec in services.items():
        depends = spec.get("depends_on") or {}
        if isinstance(depends, list):
            depends = {dependency: {} for dependency in depends}
        for dependency, options in depends.items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            condition = (options or {}).get("condition", "service_started")
            if condition == "service_healthy":
                check = services[dependency].get("healthcheck") or {}
                assert check.get("test") not in (None, [], ["NONE"]) and not check.get("disable"), (
                    f"{name} waits for {dependency} to be healthy: it has no healthcheck"
                )
            elif condition == "service_completed_successfully":
                restart = services[dependency].get("restart", "no")
                assert restart in ("no", "on-failure"), f"{dependency} restarts: never completes"
            else:
                assert condition == "service_started", f"{name}: {dependency}: {condition}"


def test_compose_mounts_ports_and_images(compose: dict[str, Any]) -> None:
    """What `docker compose config` lets through: a missing bind-mount source (compose
    creates an empty directory), a host port published twice (fails at `up`), an
    unpinned image."""
    declared = set(compose.get("volumes") or {})
    published: dict[str, str] = {}
    for name, spec in compose["services"].items():
        for volume in spec.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/", "~", "$")):
                assert source.startswith("./"), f"{name}: mount {source} from the repository"
                assert (ROOT / source).exists(), f"{name}: {source} is not in the repository"
            else:
                assert source in declared, f"{name}: volume {source} is not declared"
        for port in spec.get("ports", []):
            host_ip, host_port, *_ = [*str(port).split(":"), "", ""]
            assert host_ip == "127.0.0.1", f"{name}: publish {port} on the loopback only"
            assert host_port not in published, f"{name} and {published[host_port]}: {host_port}"
            published[host_port] = name
        image = spec["image"]
        assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), image


def test_compose_notifier_mails_to_the_catcher(
    compose: dict[str, Any], services: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    notifier = next(s for s in services if s.name == "notifier")
    settings = notifier.settings_from(_compose_env(compose, "notifier"), monkeypatch)
    catcher = compose["services"][settings.smtp_host]
    assert catcher["image"].startswith("axllent/mailpit:")
    assert settings.smtp_port == 1025  # Mailpit's SMTP port; 8025 is its web UI
    assert any(str(p).endswith(":8025") for p in catcher["ports"])
    assert compose["services"]["notifier"]["depends_on"][settings.smtp_host]


def test_compose_rule_files_are_valid(compose: dict[str, Any]) -> None:
    for name, load in RULE_LOADERS.items():
        path = _compose_env(compose, name)[f"RADAR_{name.upper()}_CONFIG_PATH"]
        load(_compose_host_path(compose, name, path))


def _first_start(compose: dict[str, Any], keys_file: Path) -> str:
    """Ingest's compose command run as compose runs it, with the service itself
    replaced by `true`; returns what it printed."""
    command = [_interpolate(part) for part in compose["services"]["ingest"]["command"]]
    shell, option, script, name = command[:4]
    assert (shell, option, name) == ("sh", "-ec", "ingest-first-start")
    assert command[4:] == ["python", "-m", "radar_ingest"]
    result = subprocess.run(
        [shell, option, script, name, "true"],
        env={
            **os.environ,
            # The image's PATH leads to the environment's scripts (radar-ingest-keys).
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "RADAR_INGEST_API_KEYS_FILE": str(keys_file),
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_compose_ingest_makes_and_prints_a_key_on_first_start(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    """`docker compose up` from a fresh clone needs no key file: ingest makes one for
    every raw event type, keeps it in its volume and prints it at every start."""
    env = _compose_env(compose, "ingest")
    keys_dir = PurePosixPath(env["RADAR_INGEST_API_KEYS_FILE"]).parent
    volumes = compose["services"]["ingest"]["volumes"]
    assert any(
        v.split(":")[1] == str(keys_dir) and v.split(":")[0] in compose["volumes"] for v in volumes
    ), "the key must live in a named volume"
    keys_file = tmp_path / "ingest-keys.toml"
    printed = _first_start(compose, keys_file)
    key = re.fullmatch(r"ingest: API key (\S+) \(.*\)\n", printed)
    assert key, printed
    settings = IngestSettings(api_keys_file=keys_file, api_keys=env.get("RADAR_INGEST_API_KEYS"))
    keyring = load_keyring(settings, environ={})
    accepted = keyring.authenticate(key.group(1))
    assert accepted is not None
    raw_types = [t for t, topic in TOPIC_BY_TYPE.items() if topic in RAW_TOPICS]
    assert [t for t in raw_types if not accepted.may_send(t)] == []
    assert keyring.authenticate(key.group(1) + "x") is None
    # A restart keeps the key and says it again.
    assert _first_start(compose, keys_file) == printed


def test_prometheus_scrapes_every_service(services: list[Any]) -> None:
    with open(ROOT / "deploy/prometheus/prometheus.yml", encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    for service in services:
        job = jobs[service.name]
        assert job.get("metrics_path", "/metrics") == "/metrics"
        targets = [t for sc in job["static_configs"] for t in sc["targets"]]
        assert targets == [f"{service.name}:{service.port}"]
    assert config["rule_files"] == ["alerts.yml"]


# -- Kubernetes -------------------------------------------------------------------


def _objects(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def _secret_templates(docs: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {
        name: doc.get("stringData", {})
        for name, doc in _objects(docs, "Secret").items()
        if doc["__file__"] == "secrets.example.yaml"
    }


def _container(docs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    deployment = _objects(docs, "Deployment")[f"radar-{name}"]
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return dict(containers[0])


def _k8s_env(docs: list[dict[str, Any]], container: dict[str, Any]) -> dict[str, str]:
    """The container's environment, secrets filled from secrets.example.yaml."""
    config_maps = _objects(docs, "ConfigMap")
    secrets = _secret_templates(docs)
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(config_maps[source["configMapRef"]["name"]]["data"])
        else:
            ref = source["secretRef"]
            assert ref["name"] in secrets, f"secrets.example.yaml has no Secret {ref['name']}"
            env.update(secrets[ref["name"]])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = str(item["value"])
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            assert ref["key"] in secrets.get(ref["name"], {}), (
                f"{item['name']}: secrets.example.yaml has no key {ref['key']} in {ref['name']}"
            )
            env[item["name"]] = secrets[ref["name"]][ref["key"]]
    return env


def _port_number(container: dict[str, Any], port: int | str) -> int:
    if isinstance(port, int):
        return port
    return next(int(p["containerPort"]) for p in container["ports"] if p["name"] == port)


def test_kustomization_lists_the_manifests(k8s_docs: list[dict[str, Any]]) -> None:
    kustomization = next(doc for doc in k8s_docs if doc["kind"] == "Kustomization")
    listed = set(kustomization["resources"])
    files = {p.name for p in (ROOT / "deploy/k8s").glob("*.yaml")}
    assert listed <= files
    assert files - listed == {"kustomization.yaml", "secrets.example.yaml"}
    assert (ROOT / "deploy/k8s/README.md").is_file()


def test_k8s_config_values_are_strings(k8s_docs: list[dict[str, Any]]) -> None:
    # The API server rejects a ConfigMap or Secret whose value YAML reads as a number.
    for doc in k8s_docs:
        for key in ("data", "stringData"):
            for name, value in (doc.get(key) or {}).items():
                assert isinstance(value, str), f"{doc['metadata']['name']}: quote {name}"


def test_k8s_env_names_real_settings(k8s_docs: list[dict[str, Any]], service: Any) -> None:
    env = _k8s_env(k8s_docs, _container(k8s_docs, service.name))
    assert not service.unknown_env(env), (
        f"{service.name}: variables its settings class does not read: {service.unknown_env(env)}"
    )
    assert "KAFKA_BOOTSTRAP_SERVERS" in env
    assert ("DATABASE_URL" in env) == (service.name in DATABASE_SERVICES)


def test_k8s_deployment_ports_probes_and_resources(
    k8s_docs: list[dict[str, Any]], service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = _container(k8s_docs, service.name)
    settings = service.settings_from(_k8s_env(k8s_docs, container), monkeypatch)
    assert settings.port == service.port and settings.host == "0.0.0.0"
    assert [p["containerPort"] for p in container["ports"]] == [service.port]
    assert container["image"].startswith(f"renewal-radar/{service.name}:")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        http = container[probe]["httpGet"]
        assert http["path"] == path, probe
        assert _port_number(container, http["port"]) == service.port, probe
    resources = container["resources"]
    assert resources["requests"]["cpu"] and resources["requests"]["memory"]
    assert resources["limits"]["memory"]
    pod = _objects(k8s_docs, "Deployment")[f"radar-{service.name}"]["spec"]["template"]
    assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(service.port)
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True


def _peak_rss_mib() -> dict[str, float]:
    """Each service's peak RSS as BENCHMARKS.md reports it (the pipeline benchmark,
    every service a process of its own)."""
    text = (ROOT / "BENCHMARKS.md").read_text(encoding="utf-8")
    found = re.search(r"^\| peak RSS ([a-z /]+) \| ([\d. /]+) MiB \|", text, re.MULTILINE)
    assert found, "BENCHMARKS.md has no per-service peak RSS line"
    names = found.group(1).split(" / ")
    values = [float(v) for v in found.group(2).split(" / ")]
    return dict(zip(names, values, strict=True))


def _mebibytes(quantity: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()  # type: ignore[union-attr]
    return int(number) * (1024 if unit == "Gi" else 1)


def test_k8s_memory_follows_the_measured_peak(k8s_docs: list[dict[str, Any]], service: Any) -> None:
    """Requests hold the benchmarked peak RSS with room to spare; limits allow twice
    the request for bursts (a daily recompute, a large batch) before the pod is killed."""
    peak = _peak_rss_mib()[service.name]
    resources = _container(k8s_docs, service.name)["resources"]
    request = _mebibytes(resources["requests"]["memory"])
    limit = _mebibytes(resources["limits"]["memory"])
    assert request >= 1.2 * peak, f"{service.name}: request {request} MiB, peak {peak} MiB"
    assert limit >= 2 * request
    assert "cpu" not in resources["limits"], "a CPU limit throttles batches: request only"


# The partitions a consumer's group shares out: the topics it reads with the most.
CONSUMED_PARTITIONS = {
    "health": "raw_topic_partitions",
    "renewals": "raw_topic_partitions",
    "notifier": "derived_topic_partitions",
}


def test_k8s_autoscaling_stays_below_the_partitions(
    k8s_docs: list[dict[str, Any]], service: Any
) -> None:
    """The HPA owns the replica count; a consumer stays one replica below its topics'
    partitions, so the surge pod of a rollout still gets a partition and turns ready."""
    deployment = _objects(k8s_docs, "Deployment")[f"radar-{service.name}"]
    assert "replicas" not in deployment["spec"], "the HPA sets the count, not the manifest"
    hpa = _objects(k8s_docs, "HorizontalPodAutoscaler")[f"radar-{service.name}"]
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": f"radar-{service.name}",
    }
    assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    if service.name in CONSUMED_PARTITIONS:
        field = CONSUMED_PARTITIONS[service.name]
        partitions = service.settings_cls.model_fields[field].default
        assert hpa["spec"]["maxReplicas"] == partitions - 1
    pdb = _objects(k8s_docs, "PodDisruptionBudget")[f"radar-{service.name}"]
    assert pdb["spec"]["maxUnavailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"].items() <= (
        deployment["spec"]["template"]["metadata"]["labels"].items()
    )
    assert deployment["spec"]["template"]["spec"]["enableServiceLinks"] is False


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", expression
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def test_k8s_only_ingest_is_reachable_from_outside(k8s_docs: list[dict[str, Any]]) -> None:
    """Ingress is denied by default; only ingest's port is open beyond the namespace,
    and every service's port to the namespace's pods and to Prometheus."""
    policies = list(_objects(k8s_docs, "NetworkPolicy").values())
    deny = [p for p in policies if p["spec"]["podSelector"] == {} and not p["spec"].get("ingress")]
    assert deny and deny[0]["spec"]["policyTypes"] == ["Ingress"]
    reachable = set()
    for name in SERVICE_NAMES:
        labels = _objects(k8s_docs, "Deployment")[f"radar-{name}"]["spec"]["template"]["metadata"][
            "labels"
        ]
        rules = [
            rule
            for p in policies
            if _selects(p["spec"]["podSelector"], labels)
            for rule in p["spec"].get("ingress", [])
        ]
        if any(not rule.get("from") for rule in rules):
            reachable.add(name)
        from_namespace = [rule for rule in rules if {"podSelector": {}} in rule.get("from", [])]
        assert from_namespace, f"{name} is not reachable from its own namespace"
        for rule in rules:
            assert rule["ports"] == [{"port": "http", "protocol": "TCP"}], rule
    assert reachable == {"ingest"}


def test_k8s_service_targets_the_pods(k8s_docs: list[dict[str, Any]], service: Any) -> None:
    deployment = _objects(k8s_docs, "Deployment")[f"radar-{service.name}"]
    k8s_service = _objects(k8s_docs, "Service")[f"radar-{service.name}"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert k8s_service["spec"]["selector"].items() <= pod_labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    container = _container(k8s_docs, service.name)
    for port in k8s_service["spec"]["ports"]:
        assert _port_number(container, port["targetPort"]) == service.port


def test_k8s_rule_files_match_deploy_config(k8s_docs: list[dict[str, Any]]) -> None:
    config_maps = _objects(k8s_docs, "ConfigMap")
    for name, load in RULE_LOADERS.items():
        container = _container(k8s_docs, name)
        path = PurePosixPath(_k8s_env(k8s_docs, container)[f"RADAR_{name.upper()}_CONFIG_PATH"])
        mount = next(m for m in container["volumeMounts"] if path.is_relative_to(m["mountPath"]))
        volumes = _objects_by_name(
            _objects(k8s_docs, "Deployment")[f"radar-{name}"]["spec"]["template"]["spec"]["volumes"]
        )
        config_map = config_maps[volumes[mount["name"]]["configMap"]["name"]]
        text = config_map["data"][str(path.relative_to(mount["mountPath"]))]
        shipped = ROOT / f"deploy/config/{name}.toml"
        assert text == shipped.read_text(encoding="utf-8"), (
            f"the radar-{name}-rules ConfigMap differs from deploy/config/{name}.toml"
        )
        load(shipped)


def _objects_by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in items}


def test_slack_channels_of_the_rule_file_get_their_webhooks(
    k8s_docs: list[dict[str, Any]], compose: dict[str, Any]
) -> None:
    """The notifier refuses to start when a Slack channel of its rule file has no
    RADAR_NOTIFIER_SLACK_WEBHOOK_<CHANNEL>: compose and Kubernetes must supply each."""
    deployed = load_rules(NotifierRules, "radar_notifier", ROOT / "deploy/config/notifier.toml")
    for env in (
        _k8s_env(k8s_docs, _container(k8s_docs, "notifier")),
        _compose_env(compose, "notifier"),
    ):
        supplied = {name for name in env if name.startswith("RADAR_NOTIFIER_SLACK_WEBHOOK_")}
        for channel in deployed.slack_channels:
            assert slack_webhook_env_var(channel) in supplied, channel
        assert all(re.fullmatch(r"RADAR_NOTIFIER_SLACK_WEBHOOK_[A-Z0-9_]+", n) for n in supplied)


# -- Dockerfiles ------------------------------------------------------------------


def _instructions(path: Path) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, args = (pending + stripped).partition(" ")
        lines.append((keyword.upper(), args.strip()))
        pending = ""
    assert not pending, f"{path}: ends inside a continued line"
    return lines


def _env_of(args: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in shlex.split(args))


def _dockerignore() -> list[str]:
    text = (ROOT / ".dockerignore").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def _ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore keeps `path` (relative to the context) out of the build."""
    parts = PurePosixPath(path).parts
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        for candidate in candidates:
            if pattern.startswith("**/"):
                tails = [
                    "/".join(candidate.split("/")[i:]) for i in range(candidate.count("/") + 1)
                ]
                hit = any(fnmatch.fnmatchcase(tail, pattern[3:]) for tail in tails)
            else:
                hit = fnmatch.fnmatchcase(candidate, pattern)
            if hit:
                ignored = not negated
    return ignored


def _workspace_manifests() -> list[str]:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        members = tomllib.load(handle)["tool"]["uv"]["workspace"]["members"]
    return sorted(
        str(path.relative_to(ROOT))
        for pattern in members
        for path in ROOT.glob(f"{pattern}/pyproject.toml")
    )


DOCKERFILE = ROOT / "deploy/Dockerfile"


def _stages(instructions: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """The Dockerfile's stages by name (the unnamed last one is "final")."""
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for keyword, args in instructions:
        if keyword == "FROM":
            words = args.split()
            current = []
            stages[words[2] if len(words) == 3 and words[1].upper() == "AS" else "final"] = current
        current.append((keyword, args))
    return stages


def test_one_dockerfile_serves_every_service(repo: Path) -> None:
    assert sorted(repo.glob("services/*/Dockerfile")) == [], "deploy/Dockerfile is the only one"
    stages = _stages(_instructions(DOCKERFILE))
    assert list(stages) == ["manifests", "build", "final"]
    for name in ("build", "final"):
        args = [a for k, a in stages[name] if k == "ARG"]
        assert "SERVICE" in args, f"{name} stage must declare ARG SERVICE"
    assert "PORT" in [a for k, a in stages["final"] if k == "ARG"]


def test_dockerfile_builds_the_service_with_uv() -> None:
    instructions = _instructions(DOCKERFILE)
    froms = [args.split()[0] for keyword, args in instructions if keyword == "FROM"]
    assert froms and all(image == "python:3.11-slim" for image in froms), froms
    copies = [args for keyword, args in instructions if keyword == "COPY"]
    uv_from = [a for a in copies if "--from=ghcr.io/astral-sh/uv:" in a]
    assert len(uv_from) == 1 and re.search(
        r"--from=ghcr\.io/astral-sh/uv:\d+\.\d+\.\d+ ", uv_from[0]
    )
    syncs = [args for keyword, args in instructions if keyword == "RUN" and "uv sync" in args]
    assert len(syncs) == 2 and all(
        "--locked" in s and "--no-dev" in s and '--package "radar-$SERVICE"' in s for s in syncs
    ), syncs
    assert "--no-install-workspace" in syncs[0]


def test_dockerfile_has_every_manifest_before_the_first_sync() -> None:
    """uv checks the lock against every workspace member: all their pyproject.toml
    files must be in place before the first sync. The manifests stage keeps exactly
    those from libs/ and services/, so code changes leave the dependency layer cached."""
    stages = _stages(_instructions(DOCKERFILE))
    manifests = stages["manifests"]
    copied = [a.split()[0] for k, a in manifests if k == "COPY"]
    keeps = " ".join(a for k, a in manifests if k == "RUN")
    assert "! -name pyproject.toml -delete" in keeps
    for manifest in _workspace_manifests():
        assert any(manifest.startswith(source) for source in copied), manifest
    build = stages["build"]
    first_sync = next(i for i, (k, a) in enumerate(build) if "uv sync" in a)
    before = " ".join(a for k, a in build[:first_sync] if k == "COPY")
    assert "--from=manifests /src/ ./" in before
    for name in ("pyproject.toml", "uv.lock"):
        assert name in before.split(), f"{name} is not copied before `uv sync`"


def test_dockerfile_copies_only_what_the_context_has(repo: Path) -> None:
    patterns = _dockerignore()
    for keyword, args in _instructions(DOCKERFILE):
        if keyword != "COPY" or "--from=" in args:
            continue
        *sources, _destination = [a for a in args.split() if not a.startswith("--")]
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
            assert not _ignored(source, patterns), f"COPY {source}: excluded by .dockerignore"
    # Every file of the services and the libraries reaches the context (package data too).
    for tree in (*repo.glob("services/*/src"), *repo.glob("libs/*/src")):
        for path in tree.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                relative = str(path.relative_to(ROOT))
                assert not _ignored(relative, patterns), f"{relative} excluded by .dockerignore"


def test_dockerignore_keeps_local_state_out() -> None:
    patterns = _dockerignore()
    for path in (".venv/bin/python", ".git/HEAD", "tests/conftest.py", ".env", "a/__pycache__/x"):
        assert _ignored(path, patterns), path


def test_dockerfile_runtime_stage() -> None:
    final = _stages(_instructions(DOCKERFILE))["final"]
    values = {keyword: args for keyword, args in final}
    user = values.get("USER", "root").split(":")[0]
    assert user not in {"root", "0"}, "run as a non-root user"
    assert values["EXPOSE"] == "${PORT}"
    env: dict[str, str] = {}
    for keyword, args in final:
        if keyword == "ENV":
            env.update(_env_of(args))
    assert env["SERVICE"] == "${SERVICE}" and env["SERVICE_PORT"] == "${PORT}"
    assert not [name for name in env if name.startswith("RADAR_")], "settings come from outside"
    assert "http://127.0.0.1:$SERVICE_PORT/healthz" in values["HEALTHCHECK"]
    # exec: Python is PID 1 and gets SIGTERM itself.
    assert values["CMD"] == 'exec python -m "radar_$SERVICE"'
    copies = [a for k, a in final if k == "COPY"]
    assert copies == ["--from=build /opt/radar/venv /opt/radar/venv"], "only the environment"


def test_dockerfile_starts_every_service(service: Any) -> None:
    """The image runs `python -m radar_<SERVICE>`: every service has that entry point."""
    module = importlib.util.find_spec(f"radar_{service.name}.__main__")
    assert module is not None, f"python -m radar_{service.name} must start the service"
