"""Publish the contracts as JSON Schema: one file per event type plus the union.

`radar-schemas-export` rewrites `libs/schemas/jsonschema/`; `--check` only compares
and exits 1 listing stale files, so CI catches a model change without regenerated files.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from radar_schemas.codec import EVENT_ADAPTER
from radar_schemas.events import EVENT_MODELS
from radar_schemas.examples import EXAMPLES

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "jsonschema"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def render() -> dict[str, str]:
    """File name -> file text for every published schema."""
    union = {"$schema": DIALECT, "title": "Event", **EVENT_ADAPTER.json_schema()}
    files = {"envelope.json": _dump(union)}
    for event_type, model in EVENT_MODELS.items():
        schema = {"$schema": DIALECT, **model.model_json_schema()}
        schema["examples"] = [EXAMPLES[event_type]]
        files[f"{event_type}.json"] = _dump(schema)
    return files


def stale_files(out: Path) -> list[str]:
    """Files under `out` that differ from `render()`, are missing, or are left over."""
    expected = render()
    stale = [
        name
        for name, text in expected.items()
        if not (out / name).is_file() or (out / name).read_text(encoding="utf-8") != text
    ]
    if out.is_dir():
        stale += [p.name for p in out.glob("*.json") if p.name not in expected]
    return sorted(stale)


def write(out: Path) -> list[str]:
    """Bring `out` up to date; returns the names written or removed."""
    changed = stale_files(out)
    out.mkdir(parents=True, exist_ok=True)
    expected = render()
    for name in changed:
        if name in expected:
            (out / name).write_text(expected[name], encoding="utf-8")
        else:
            (out / name).unlink()
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="radar-schemas-export", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if stale")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    out: Path = args.out
    if args.check:
        stale = stale_files(out)
        for name in stale:
            print(f"stale: {out / name}")
        if stale:
            print("run `uv run radar-schemas-export` to regenerate", file=sys.stderr)
        return 1 if stale else 0
    for name in write(out):
        print(f"updated: {out / name}")
    return 0


def _dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.exit(main())
