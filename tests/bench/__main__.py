"""`make bench`: run every benchmark against one local broker and database, print a
table, write `bench-results.json`. Each figure stands beside its limit from the same run."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import platform
import sys
import time
from pathlib import Path

from .servers import bench_servers

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    only = set(argv)
    modules = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    rows: list[dict[str, object]] = []
    with bench_servers():
        for name in modules:
            if only and name.removeprefix("bench_") not in only and name not in only:
                continue
            print(f"== {name}", flush=True)
            module = importlib.import_module(f"tests.bench.{name}")
            started = time.monotonic()
            for row in module.run():
                row.setdefault("bench", name.removeprefix("bench_"))
                rows.append(row)
                print(_format(row), flush=True)
            print(f"   ({time.monotonic() - started:.0f} s)", flush=True)
    print()
    print(_table(rows))
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "results": rows,
    }
    (ROOT / "bench-results.json").write_text(json.dumps(result, indent=2) + "\n")
    failed = [r for r in rows if r.get("ok") is False]
    print(
        f"\n{len(rows) - len(failed)} within target, {len(failed)} outside; "
        "bench-results.json written"
    )
    return 0


def _format(row: dict[str, object]) -> str:
    value = row["value"]
    shown = f"{value:,.1f}" if isinstance(value, float) else str(value)
    target = row.get("target", "")
    verdict = {True: "ok", False: "MISS", None: ""}[row.get("ok")]  # type: ignore[index]
    return f"   {row['name']:<52} {shown:>14} {row.get('unit', ''):<10} {target!s:<28} {verdict}"


def _table(rows: list[dict[str, object]]) -> str:
    header = f"   {'figure':<52} {'value':>14} {'unit':<10} {'target / limit':<28} verdict"
    return "\n".join([header, *(_format(r) for r in rows)])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
