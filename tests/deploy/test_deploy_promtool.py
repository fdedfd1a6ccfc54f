"""promtool checks the Prometheus configuration and alert rules, and runs the rule
unit tests in alerts_test.yml. promtool comes from Debian's `prometheus` package,
installed here when missing (as root) without starting the Prometheus daemon."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PROMETHEUS_DIR = ROOT / "deploy/prometheus"
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")
# The first install downloads the package; later runs find promtool at once.
pytestmark = pytest.mark.timeout(900)


def _run(
    args: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, check=False, env=env, cwd=cwd, timeout=timeout
    )


def _daemon_running() -> bool:
    """Whether a `prometheus` server process runs (read-only look at the process table)."""
    return _run(["pgrep", "-x", "prometheus"]).returncode == 0


def _apt_install_prometheus() -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "prometheus"]
    # policy-rc.d answering 101 forbids maintainer scripts to start services, so the
    # package's postinst does not launch the Prometheus daemon.
    made_policy = not POLICY_RC_D.exists()
    if made_policy:
        POLICY_RC_D.write_text("#!/bin/sh\n# renewal-radar tests: start no service\nexit 101\n")
        POLICY_RC_D.chmod(0o755)
    was_running = _daemon_running()
    try:
        result = _run(install, env=env, timeout=600)
        if result.returncode != 0:  # a stale or empty package list: refresh it once
            _run(["apt-get", "update", "-q"], env=env, timeout=300)
            result = _run(install, env=env, timeout=600)
    finally:
        if made_policy:
            POLICY_RC_D.unlink(missing_ok=True)
    if result.returncode != 0:
        pytest.fail(f"apt-get install prometheus failed:\n{result.stdout[-2000:]}{result.stderr}")
    assert was_running or not _daemon_running(), (
        "installing the prometheus package started the Prometheus daemon"
    )


@pytest.fixture(scope="session")
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            pytest.fail(
                "promtool is not on PATH and this is not a root Debian shell to install it: "
                "run `apt-get install --no-install-recommends prometheus` (Debian/Ubuntu) "
                "or put a promtool binary from a Prometheus release on PATH"
            )
        _apt_install_prometheus()
        found = shutil.which("promtool")
        if found is None:
            pytest.fail("the prometheus package was installed but promtool is not on PATH")
    return found


def _check(args: list[str]) -> None:
    result = _run(args, cwd=ROOT, timeout=60)
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}\n{result.stderr}"


def test_prometheus_config_is_valid(promtool: str) -> None:
    # Also checks the rule files the configuration names.
    _check([promtool, "check", "config", str(PROMETHEUS_DIR / "prometheus.yml")])


def test_alert_rules_are_valid(promtool: str) -> None:
    _check([promtool, "check", "rules", str(PROMETHEUS_DIR / "alerts.yml")])


def test_alert_rules_fire_as_intended(promtool: str) -> None:
    _check([promtool, "test", "rules", str(HERE / "alerts_test.yml")])
