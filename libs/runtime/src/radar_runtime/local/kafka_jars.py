"""Apache Kafka's jars, fetched once from Maven Central into the cache directory."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from radar_runtime.local.paths import cache_dir
from radar_runtime.local.process import LocalServerError, file_lock

KAFKA_VERSION = "3.9.1"
SCALA_VERSION = "2.13"
SLF4J_VERSION = "1.7.36"

INSTALL_HINT = (
    "Apache Kafka runs on the machine's JDK: install a JDK 17+ and Maven "
    "(Debian/Ubuntu: `apt-get install openjdk-17-jdk-headless maven`), "
    "or point RADAR_TEST_KAFKA_BOOTSTRAP at a running broker."
)

_POM = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by radar_runtime.local.kafka_jars: the jars of a single-node Kafka broker. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.renewal-radar</groupId>
  <artifactId>local-kafka</artifactId>
  <version>{KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_{SCALA_VERSION}</artifactId>
      <version>{KAFKA_VERSION}</version>
    </dependency>
    <dependency>
      <!-- Kafka 3.x logs through slf4j; without a binding it logs nothing at all. -->
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>{SLF4J_VERSION}</version>
    </dependency>
  </dependencies>
</project>
"""


def java_executable() -> str | None:
    """`$JAVA_HOME/bin/java` when set, else `java` on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("java")


def java_available() -> bool:
    """True when a JDK/JRE answers `java -version`."""
    java = java_executable()
    if java is None:
        return False
    try:
        result = subprocess.run([java, "-version"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def kafka_home() -> Path:
    return cache_dir() / f"kafka-{KAFKA_VERSION}"


def kafka_jars_cached() -> bool:
    """True when an earlier fetch completed, so starting Kafka needs no Maven."""
    return (kafka_home() / ".complete").exists()


def ensure_kafka_jars() -> Path:
    """The directory holding Kafka's jars, fetched with Maven the first time.

    Idempotent and safe across processes: a marker file records a complete fetch and a
    file lock makes parallel test workers wait for the one that fetches.
    """
    home = kafka_home()
    libs = home / "libs"
    marker = home / ".complete"
    if marker.exists():
        return libs
    home.mkdir(parents=True, exist_ok=True)
    with file_lock(home / ".fetch.lock"):
        if marker.exists():
            return libs
        mvn = shutil.which("mvn")
        if mvn is None:
            raise LocalServerError(f"Maven (`mvn`) is not on PATH. {INSTALL_HINT}")
        pom = home / "pom.xml"
        pom.write_text(_POM)
        # Fetched into a staging directory so an interrupted fetch never looks complete.
        staging = home / "libs.partial"
        shutil.rmtree(staging, ignore_errors=True)
        command = [
            mvn,
            "-q",
            "-B",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}",
            "-DincludeScope=runtime",
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=1800)
        kafka_jar = staging / f"kafka_{SCALA_VERSION}-{KAFKA_VERSION}.jar"
        if result.returncode != 0 or not kafka_jar.exists():
            output = (result.stdout + result.stderr).strip()[-4000:]
            raise LocalServerError(
                f"fetching Kafka {KAFKA_VERSION} jars with Maven failed "
                f"(exit {result.returncode}): {' '.join(command)}\n{output}"
            )
        shutil.rmtree(libs, ignore_errors=True)
        staging.rename(libs)
        marker.write_text(f"{len(list(libs.glob('*.jar')))} jars\n")
    return libs
