"""Dashboards and alert rules query only metrics (and labels) the services export.

The services' metrics are registered in prometheus_client's default registry when
their modules are imported; a PromQL expression is tokenised just enough to find
the `radar_*` metric names, the label names of their selectors, and the labels of
`by (...)` groupings.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((ROOT / "deploy/grafana/dashboards").glob("*.json"))
ALERTS = ROOT / "deploy/prometheus/alerts.yml"
SERVICES = ("ingest", "health", "renewals", "notifier")
# Added by Prometheus to every scraped series; a metric label named like one of them
# is kept as exported_<name>.
TARGET_LABELS = frozenset({"job", "instance"})
DATASOURCE_UID = "prometheus"

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_METRIC = re.compile(r"(?<![\w:$.])radar_[A-Za-z0-9_:]*")
_SELECTOR = re.compile(r"(?<![\w:$.])(radar_[A-Za-z0-9_:]*)\s*\{([^}]*)\}")
_MATCHER = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)")
_GROUPING = re.compile(r"\bby\s*\(([^)]*)\)\s*\(")


@dataclass(frozen=True)
class Exported:
    labels: frozenset[str]


def _import_service_metrics() -> None:
    importlib.import_module("radar_runtime.metrics")
    for service in SERVICES:
        for module in (f"radar_{service}.metrics", f"radar_{service}.main"):
            if importlib.util.find_spec(module) is not None:
                importlib.import_module(module)


@pytest.fixture(scope="module")
def exported() -> dict[str, Exported]:
    """Every series name the services expose, with the labels it can carry."""
    _import_service_metrics()
    names: dict[str, Exported] = {}
    for collector in list(REGISTRY._collector_to_names):  # no public way to list collectors
        labelnames = frozenset(getattr(collector, "_labelnames", ()))
        describe = getattr(collector, "describe", None)
        for family in (describe() if describe else None) or collector.collect():
            suffixes = {
                "counter": ("_total",),
                "histogram": ("_bucket", "_sum", "_count"),
                "summary": ("", "_sum", "_count"),
                "info": ("_info",),
            }.get(family.type, ("",))
            for suffix in suffixes:
                extra = {"le"} if suffix == "_bucket" else set()
                names[family.name + suffix] = Exported(labelnames | extra)
    assert any(name.startswith("radar_") for name in names), "no radar_ metric registered"
    return names


def _code(expr: str) -> str:
    """The expression with its string literals emptied (label values, regexes)."""
    return _STRING.sub('""', expr)


def _matching_paren(text: str, open_at: int) -> int:
    depth = 0
    for index in range(open_at, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index
    raise ValueError(f"unbalanced parentheses in {text!r}")


def problems(expr: str, exported: dict[str, Exported]) -> list[str]:
    """Unknown metrics, unknown selector labels and unknown grouping labels in `expr`."""
    code = _code(expr)
    found: list[str] = []
    for name in _METRIC.findall(code):
        if name not in exported:
            found.append(f"metric {name} is not exported by any service")
    for name, matchers in _SELECTOR.findall(code):
        if name in exported:
            for label in _MATCHER.findall(matchers):
                if label not in _allowed_labels(exported[name]):
                    found.append(f"{name} has no label {label!r}")
    for match in _GROUPING.finditer(code):
        argument = code[match.end() - 1 : _matching_paren(code, match.end() - 1) + 1]
        metrics = [exported[n] for n in _METRIC.findall(argument) if n in exported]
        if not metrics:
            continue
        allowed = set().union(*(_allowed_labels(m) for m in metrics))
        for label in filter(None, (part.strip() for part in match.group(1).split(","))):
            if label not in allowed:
                found.append(f"by ({label}) groups on a label none of its metrics has")
    return found


def _allowed_labels(metric: Exported) -> set[str]:
    renamed = {f"exported_{label}" for label in metric.labels & TARGET_LABELS}
    return (metric.labels - TARGET_LABELS) | TARGET_LABELS | renamed


def _dashboard_exprs(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(location, PromQL) for every query in a dashboard: targets and variables."""
    if isinstance(node, dict):
        title = node.get("title") or node.get("name") or where
        for key, value in node.items():
            # A variable's query is a string, or a dict holding one under "query".
            if key in ("expr", "definition", "query") and isinstance(value, str) and value:
                yield title, value
            else:
                yield from _dashboard_exprs(value, title)
    elif isinstance(node, list):
        for item in node:
            yield from _dashboard_exprs(item, where)


def _load_dashboard(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    assert isinstance(document, dict)
    return document


def _alert_rules() -> list[dict[str, Any]]:
    with open(ALERTS, encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    return [rule for group in document["groups"] for rule in group["rules"]]


# -- the tokenizer itself ---------------------------------------------------------


def test_tokenizer_finds_metrics_labels_and_groupings() -> None:
    known = {
        "radar_x_total": Exported(frozenset({"service", "outcome"})),
        "radar_y_bucket": Exported(frozenset({"service", "le"})),
        "radar_jobs_total": Exported(frozenset({"job_name"})),
    }
    assert (
        problems('sum by (service) (rate(radar_x_total{outcome="radar_not_a_metric"}[5m]))', known)
        == []
    )
    assert problems("histogram_quantile(0.9, sum by (le) (rate(radar_y_bucket[5m])))", known) == []
    assert problems("sum by (job_name) (radar_jobs_total)", known) == []
    assert problems("radar_z", known) == ["metric radar_z is not exported by any service"]
    assert problems('radar_x_total{outcom="sent"}', known) == [
        "radar_x_total has no label 'outcom'"
    ]
    assert problems("sum by (topic) (radar_x_total)", known) == [
        "by (topic) groups on a label none of its metrics has"
    ]


# -- dashboards -------------------------------------------------------------------


def test_dashboards_exist() -> None:
    assert {path.stem for path in DASHBOARDS} >= {"pipeline", "renewals"}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_dashboard_queries_use_exported_metrics(path: Path, exported: dict[str, Exported]) -> None:
    exprs = list(_dashboard_exprs(_load_dashboard(path)))
    assert exprs, f"{path.name} has no query"
    found = [f"{where}: {p}" for where, expr in exprs for p in problems(expr, exported)]
    assert not found, f"{path.name}:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("stem", "required"),
    [
        (
            "pipeline",
            {
                "radar_ingest_events_total",
                "radar_event_processing_seconds_bucket",
                "radar_consumer_lag",
                "radar_dlq_events_total",
                "radar_outbox_pending",
                "radar_notifications_total",
            },
        ),
        ("renewals", {"radar_renewal_arr_at_risk", "radar_health_accounts", "radar_renewals"}),
    ],
)
def test_dashboard_shows_what_it_is_for(stem: str, required: set[str]) -> None:
    document = _load_dashboard(ROOT / f"deploy/grafana/dashboards/{stem}.json")
    used = {m for _, expr in _dashboard_exprs(document) for m in _METRIC.findall(_code(expr))}
    assert required <= used, f"{stem}.json does not chart {sorted(required - used)}"


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_dashboard_is_well_formed(path: Path) -> None:
    document = _load_dashboard(path)
    assert document.get("uid") and document.get("title")
    panels = list(_panels(document["panels"]))
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), f"{path.name}: duplicate panel ids"
    for panel in panels:
        if panel.get("type") == "row":
            continue
        assert panel["datasource"]["uid"] == DATASOURCE_UID, panel["title"]
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] == DATASOURCE_UID, panel["title"]
            assert target.get("expr"), f"{panel['title']}: a target without expr"


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def test_dashboard_uids_are_unique() -> None:
    uids = [_load_dashboard(path)["uid"] for path in DASHBOARDS]
    assert len(uids) == len(set(uids))


def test_grafana_provisioning_points_at_the_dashboards_and_datasource(
    compose: dict[str, Any],
) -> None:
    provisioning = ROOT / "deploy/grafana/provisioning"
    with open(provisioning / "datasources/prometheus.yaml", encoding="utf-8") as handle:
        datasources = yaml.safe_load(handle)["datasources"]
    assert [ds["uid"] for ds in datasources if ds["type"] == "prometheus"] == [DATASOURCE_UID]
    providers = [
        provider
        for path in sorted((provisioning / "dashboards").glob("*.yaml"))
        for provider in yaml.safe_load(path.read_text(encoding="utf-8"))["providers"]
    ]
    assert providers, "no dashboard provider"
    grafana = compose["services"]["grafana"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in grafana["volumes"]}
    for provider in providers:
        assert provider.get("folder"), "dashboards go into a folder"
        host_dir = mounts.get(provider["options"]["path"])
        assert host_dir is not None, "the provider's path is not mounted in compose"
        assert (ROOT / host_dir).resolve() == (ROOT / "deploy/grafana/dashboards").resolve()
    assert mounts["/etc/grafana/provisioning"] == "./deploy/grafana/provisioning"


# -- alert rules ------------------------------------------------------------------


def test_alert_rules_use_exported_metrics(exported: dict[str, Exported]) -> None:
    found = [f"{r['alert']}: {p}" for r in _alert_rules() for p in problems(r["expr"], exported)]
    assert not found, "\n".join(found)


def test_alert_rules_are_complete() -> None:
    rules = _alert_rules()
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names)), "duplicate alert names"
    for rule in rules:
        assert "for" in rule, f"{rule['alert']}: no `for:`"
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"].get("summary"), f"{rule['alert']}: no summary"
        assert rule["annotations"].get("description"), f"{rule['alert']}: no description"


def test_alert_rules_cover_the_pipeline() -> None:
    used = " ".join(rule["expr"] for rule in _alert_rules())
    for needle in (
        "radar_consumer_lag",
        "increase(radar_dlq_events_total[10m])",
        'radar_notifications_total{outcome="failed"}',
        'radar_ingest_events_total{outcome="unavailable"}',
        "radar_outbox_pending",
        "== 0",
    ):
        assert needle in used, f"no alert rule uses {needle!r}"
    assert any(rule["expr"].startswith("up{") for rule in _alert_rules()), "no service-down rule"
