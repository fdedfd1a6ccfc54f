"""deploy/k8s through a real Kubernetes API server: etcd and kube-apiserver built from
their Go modules and started on loopback, the namespace created for real, then every
manifest applied with `--dry-run=server --validate=strict` (schema, unknown fields,
defaulting and admission, but nothing stored). A broken copy must be refused."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from radar_runtime.local import free_port
from radar_runtime.local.process import terminate

from .gobuild import GoBuilder
from .shell import Shell, StepFailed, wait_until

KUBERNETES_VERSION = "v1.37.2"
ETCD_VERSION = "v3.7.4"
ROOT = Path(__file__).resolve().parents[3]
MANIFESTS = ROOT / "deploy" / "k8s"
NAMESPACE = "renewal-radar"


def build_tools(go: GoBuilder) -> dict[str, Path]:
    """kube-apiserver and kubectl (one wrapper module around k8s.io/kubernetes, whose
    staging modules are published as v0.<minor>.<patch>) and etcd."""
    staging = "v0." + KUBERNETES_VERSION.removeprefix("v1.")
    tools = go.build_wrapped(
        "k8s.io/kubernetes",
        KUBERNETES_VERSION,
        {
            "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
            "kubectl": "k8s.io/kubernetes/cmd/kubectl",
        },
        published=lambda _module: staging,
    )
    tools |= go.build_wrapped(
        "go.etcd.io/etcd/server/v3",
        ETCD_VERSION,
        {"etcd": "go.etcd.io/etcd/server/v3"},
        published=lambda _module: ETCD_VERSION,
    )
    return tools


@contextmanager
def api_server(shell: Shell, tools: dict[str, Path]) -> Iterator[Path]:
    """etcd and kube-apiserver on loopback for the block; yields a kubeconfig."""
    with tempfile.TemporaryDirectory(prefix="radar-k8s-") as tmp:
        work = Path(tmp)
        client, peer, secure = free_port(), free_port(), free_port()
        token = "radar-dry-run"
        (work / "tokens.csv").write_text(f'{token},admin,admin,"system:masters"\n')
        shell.run(["openssl", "genrsa", "-out", work / "sa.key", "2048"])
        processes: list[subprocess.Popen[bytes]] = []
        try:
            processes.append(
                _start(
                    work / "etcd.log",
                    tools["etcd"],
                    f"--data-dir={work / 'etcd'}",
                    "--name=default",
                    f"--listen-client-urls=http://127.0.0.1:{client}",
                    f"--advertise-client-urls=http://127.0.0.1:{client}",
                    f"--listen-peer-urls=http://127.0.0.1:{peer}",
                    f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
                    f"--initial-cluster=default=http://127.0.0.1:{peer}",
                )
            )
            processes.append(
                _start(
                    work / "kube-apiserver.log",
                    tools["kube-apiserver"],
                    f"--etcd-servers=http://127.0.0.1:{client}",
                    "--bind-address=127.0.0.1",
                    "--advertise-address=127.0.0.1",
                    f"--secure-port={secure}",
                    f"--cert-dir={work / 'certs'}",
                    f"--token-auth-file={work / 'tokens.csv'}",
                    "--authorization-mode=AlwaysAllow",
                    "--service-account-issuer=https://kubernetes.default.svc",
                    f"--service-account-key-file={work / 'sa.key'}",
                    f"--service-account-signing-key-file={work / 'sa.key'}",
                    # A range for ClusterIP allocation only: nothing is routed.
                    "--service-cluster-ip-range=10.96.0.0/16",
                    # No kubelet or network here: the API server must not publish
                    # itself as the `kubernetes` Service's endpoint.
                    "--endpoint-reconciler-type=none",
                )
            )
            kubeconfig = work / "kubeconfig"
            kubeconfig.write_text(
                "apiVersion: v1\nkind: Config\n"
                "clusters: [{name: local, cluster: "
                f"{{server: 'https://127.0.0.1:{secure}', insecure-skip-tls-verify: true}}}}]\n"
                f"users: [{{name: admin, user: {{token: {token}}}}}]\n"
                "contexts: [{name: local, context: {cluster: local, user: admin}}]\n"
                "current-context: local\n"
            )
            kubectl = [str(tools["kubectl"]), f"--kubeconfig={kubeconfig}"]

            def ready() -> bool | None:
                for process, name in zip(processes, ("etcd", "kube-apiserver"), strict=True):
                    if process.poll() is not None:
                        log = (work / f"{name}.log").read_text(errors="replace")[-3000:]
                        raise StepFailed(f"{name} exited:\n{log}")
                probe = subprocess.run(
                    [*kubectl, "get", "--raw", "/readyz"], capture_output=True, check=False
                )
                return True if probe.stdout.strip() == b"ok" else None

            wait_until("the API server is ready", ready, timeout=120, interval=0.5)
            yield kubeconfig
        finally:
            for process in reversed(processes):
                terminate(process.pid, timeout=20, group=False, popen=process)


def _start(log: Path, *args: str | Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(a) for a in args], stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )


def check_manifests(shell: Shell, tools: dict[str, Path], kubeconfig: Path) -> Counter[str]:
    """Every object of the kustomization (and the Secret template) accepted by the
    server's dry run; returns how many of each kind."""
    kubectl = [tools["kubectl"], f"--kubeconfig={kubeconfig}"]
    # A dry-run Namespace is never stored, and namespaced objects need it to exist.
    shell.run([*kubectl, "apply", "-f", MANIFESTS / "namespace.yaml"])
    dry_run = ["apply", "--dry-run=server", "--validate=strict"]
    out = shell.output([*kubectl, *dry_run, "-k", MANIFESTS])
    kinds = Counter(
        m.group(1) for m in re.finditer(r"^([\w.]+)/\S+ \w+ \(server dry run\)$", out, re.MULTILINE)
    )
    shell.output([*kubectl, *dry_run, "-n", NAMESPACE, "-f", MANIFESTS / "secrets.example.yaml"])
    _broken_copy_is_refused(shell, kubectl, dry_run)
    return kinds


def _broken_copy_is_refused(shell: Shell, kubectl: list[str | Path], dry_run: list[str]) -> None:
    """The check can fail: a manifest with a misspelt field is refused by the server."""
    with tempfile.TemporaryDirectory(prefix="radar-k8s-broken-") as tmp:
        broken = Path(tmp) / "k8s"
        shutil.copytree(MANIFESTS, broken)
        ingest = broken / "ingest.yaml"
        ingest.write_text(ingest.read_text().replace("readinessProbe:", "readinessProbes:", 1))
        result = shell.run([*kubectl, *dry_run, "-k", broken], check=False)
        said = (result.stdout + result.stderr).decode()
        misspelt = 'unknown field "spec.template.spec.containers[0].readinessProbes"'
        if result.returncode == 0 or misspelt not in said:
            raise StepFailed(f"the API server accepted a misspelt field:\n{said[-2000:]}")
        shell.say(f"a copy with a misspelt field is refused: {misspelt}")
