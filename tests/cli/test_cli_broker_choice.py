"""`radar up` runs Apache Kafka where it can (a `java` that runs, plus Maven or jars an
earlier run cached) and falls back to Tansu otherwise. The decision reads the real
PATH, JAVA_HOME and cache directory; only what they hold is arranged here."""

from __future__ import annotations

from pathlib import Path

import pytest

from radar_cli.stack import apache_kafka_missing
from radar_runtime.local.kafka_jars import kafka_home


def put_tool(bin_dir: Path, name: str, exit_code: int = 0) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    tool = bin_dir / name
    tool.write_text(f"#!/bin/sh\nexit {exit_code}\n")
    tool.chmod(0o755)


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The only PATH entry, empty to start with; no JAVA_HOME; an empty jar cache."""
    path = tmp_path / "bin"
    path.mkdir()
    monkeypatch.setenv("PATH", str(path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("RADAR_CACHE_DIR", str(tmp_path / "cache"))
    return path


def test_no_java_means_tansu(bin_dir: Path) -> None:
    put_tool(bin_dir, "mvn")
    assert apache_kafka_missing() == "no Java found"


def test_a_java_that_fails_counts_as_none(bin_dir: Path) -> None:
    put_tool(bin_dir, "java", exit_code=1)
    put_tool(bin_dir, "mvn")
    assert apache_kafka_missing() == "no Java found"


def test_java_without_maven_or_cached_jars_means_tansu(bin_dir: Path) -> None:
    put_tool(bin_dir, "java")
    assert apache_kafka_missing() == "Java found, but no Maven to fetch Apache Kafka's jars"


def test_java_and_maven_mean_apache_kafka(bin_dir: Path) -> None:
    put_tool(bin_dir, "java")
    put_tool(bin_dir, "mvn")
    assert apache_kafka_missing() is None


def test_cached_jars_need_no_maven(bin_dir: Path) -> None:
    put_tool(bin_dir, "java")
    kafka_home().mkdir()
    (kafka_home() / ".complete").write_text("1 jars\n")
    assert apache_kafka_missing() is None


def test_java_home_is_found_off_path(
    bin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_tool(bin_dir, "mvn")
    put_tool(tmp_path / "jdk" / "bin", "java")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    assert apache_kafka_missing() is None
