"""Fixtures every test area shares: the real servers (radar_runtime.testing.fixtures)
and a headless Chromium for the tests that look at pages as a person would."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

pytest_plugins = ["radar_runtime.testing.fixtures"]

ENSURE_CHROMIUM = Path(__file__).with_name("ensure_chromium.sh")


@pytest.fixture(scope="session")
def chromium() -> str:
    """Chromium's path, installed first (Debian `chromium`) on a machine without one."""
    result = subprocess.run(
        ["bash", str(ENSURE_CHROMIUM)], capture_output=True, text=True, timeout=900, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"this test needs Chromium, which could not be installed:\n{result.stderr}")
    return result.stdout.strip().splitlines()[-1]
