"""Programs built with Go from the module proxy, kept under the cache directory: the
module and build caches (so a rebuild takes seconds) and one binary per version."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from .shell import Shell, StepFailed

# A module's own go.mod may point modules at folders of its repository (Kubernetes'
# staging/, etcd's ../api); the module zip has no such folders.
_LOCAL_REPLACE = re.compile(r"^\s*(?:replace\s+)?(\S+)\s+=>\s+(\.\.?/\S+)\s*$", re.MULTILINE)


class GoBuilder:
    def __init__(self, shell: Shell, root: Path):
        self.shell = shell
        self.root = root
        self.bin = root / "bin"
        go = shutil.which("go")
        if go is None:
            raise StepFailed(
                "Go is needed to build Docker Compose, Prometheus, Mailpit and Kubernetes: "
                "install a current Go toolchain (go.dev/dl) and put `go` on PATH"
            )
        self.go = go
        self.env = {
            "GOMODCACHE": str(root / "go" / "mod"),
            "GOCACHE": str(root / "go" / "build"),
            "GOPATH": str(root / "go" / "path"),
            "GOFLAGS": "-modcacherw -trimpath",
            "CGO_ENABLED": "0",
            "GOTOOLCHAIN": "local",
        }

    def binary(self, name: str, version: str) -> Path:
        return self.bin / f"{name}-{version}"

    def download(self, module: str, version: str) -> dict[str, str]:
        """`go mod download -json`: where the module's source and go.mod are."""
        out = self.shell.output(
            [self.go, "mod", "download", "-json", f"{module}@{version}"], env=self.env
        )
        info: dict[str, str] = json.loads(out)
        if "Error" in info:
            raise StepFailed(f"{module}@{version}: {info['Error']}")
        return info

    def build(
        self,
        module: str,
        version: str,
        packages: Mapping[str, str],
        *,
        edit: Callable[[Path], None] | None = None,
        ldflags: str = "-s -w",
    ) -> dict[str, Path]:
        """Build `packages` ({binary name: package dir in the module}) inside a writable
        copy of the module's source; `edit` may change the copy first."""

        def source_copy() -> Path:
            source = Path(self.download(module, version)["Dir"])
            copy = self.root / "go" / "src" / f"{module.replace('/', '_')}@{version}"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(source, copy)
            for path in copy.rglob("*"):
                path.chmod(path.stat().st_mode | 0o200)
            if edit is not None:
                edit(copy)
            return copy

        return self._once(packages, version, source_copy, ldflags)

    def build_wrapped(
        self,
        module: str,
        version: str,
        packages: Mapping[str, str],
        published: Callable[[str], str],
    ) -> dict[str, Path]:
        """Build `packages` (import paths) of a module whose go.mod replaces modules with
        folders of its repository: a wrapper module requires it and replaces each such
        module with its published version, `published(module path)`."""

        def wrapper() -> Path:
            gomod = Path(self.download(module, version)["GoMod"]).read_text()
            go_line = re.search(r"^go (\S+)$", gomod, re.MULTILINE)
            replaces = [
                f"\t{path} => {path} {published(path)}"
                for path, _target in _LOCAL_REPLACE.findall(gomod)
            ]
            folder = self.root / "go" / "src" / f"wrapper-{module.replace('/', '_')}@{version}"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            (folder / "go.mod").write_text(
                "module renewal-radar.local/tools\n\n"
                f"go {go_line.group(1) if go_line else '1.24'}\n\n"
                f"require {module} {version}\n\n"
                "replace (\n" + "\n".join(replaces) + "\n)\n"
            )
            self.shell.run([self.go, "get", *packages.values()], env=self.env, cwd=folder)
            return folder

        return self._once(packages, version, wrapper, "-s -w")

    def _once(
        self,
        packages: Mapping[str, str],
        version: str,
        prepare: Callable[[], Path],
        ldflags: str,
    ) -> dict[str, Path]:
        """The binaries, built in the folder `prepare` makes unless all are there."""
        wanted = {name: self.binary(name, version) for name in packages}
        if not all(path.exists() for path in wanted.values()):
            self._go_build(prepare(), packages, wanted, ldflags)
        return wanted

    def _go_build(
        self, cwd: Path, packages: Mapping[str, str], wanted: Mapping[str, Path], ldflags: str
    ) -> None:
        self.bin.mkdir(parents=True, exist_ok=True)
        for name, package in packages.items():
            partial = wanted[name].parent / f"{wanted[name].name}.partial"
            started = time.monotonic()
            self.shell.run(
                [self.go, "build", "-ldflags", ldflags, "-o", partial, package],
                env=self.env,
                cwd=cwd,
            )
            partial.rename(wanted[name])
            self.shell.say(f"built {wanted[name].name} in {time.monotonic() - started:.0f} s")
