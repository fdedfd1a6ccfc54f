"""`radar import KIND FILE`: validate an export, report every problem, post the valid
records through ingest's batch API, and resume after an interruption.

    radar import accounts accounts.csv --dry-run          # the report only
    radar import subscriptions contracts.csv              # Salesforce headers (default)
    radar import contacts contacts.csv --mapping hubspot
    radar import tickets cases.jsonl --mapping my-desk.toml
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from ..demo_key import KEY_FILE
from ..post import Poster, PostError, make_batches
from ..progress import Progress
from ..simulate.cli import API_KEY_ENV, DEFAULT_INGEST_URL, resolve_api_key
from . import resume
from .convert import Converter, Problem
from .mappings import BUILT_IN, KINDS, Mapping, MappingError, load, missing_columns
from .read import Row, Unreadable, decode, rows

SHOWN_PROBLEMS = 20


@dataclass
class Checked:
    """An export read and converted: the events to post, and what kept rows out."""

    encoding: str
    rows: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({p.line for p in self.problems})


def check(data: bytes, kind: str, mapping: Mapping, file_format: str, now: datetime) -> Checked:
    """Every row converted (or refused with its line, column and reason); raises
    MappingError when the file lacks a column the mapping needs."""
    text, encoding = decode(data)
    checked = Checked(encoding)
    converter = Converter(kind, mapping, now=now)
    header_checked = False
    for row in rows(text, file_format):
        checked.rows += 1
        if isinstance(row, Unreadable):
            checked.problems.append(Problem(row.line, "(row)", row.reason))
            continue
        if not header_checked and file_format == "csv":
            _require_columns(mapping, kind, row)
            header_checked = True
        result = converter.convert(row)
        if isinstance(result, list):
            checked.problems.extend(result)
        else:
            checked.events.append(result)
    return checked


def _require_columns(mapping: Mapping, kind: str, row: Row) -> None:
    missing = missing_columns(mapping, kind, set(row.values))
    if missing:
        raise MappingError(
            f"the file has no column for {', '.join(missing)}; its columns: "
            f"{', '.join(row.values)} (pass --mapping hubspot, or a mapping file)"
        )


def run(
    args: argparse.Namespace, home: Path, transport: httpx.AsyncBaseTransport | None = None
) -> int:
    path: Path = args.file
    try:
        data = path.read_bytes()
        mapping = load(args.mapping)
    except OSError as exc:
        return _fail(f"cannot read {path}: {exc.strerror}")
    except MappingError as exc:
        return _fail(str(exc))
    file_format = args.format or ("jsonl" if path.suffix in (".jsonl", ".ndjson") else "csv")
    try:
        checked = check(data, args.kind, mapping, file_format, datetime.now(UTC))
    except MappingError as exc:
        return _fail(f"{path}: {exc}")
    _report(path, checked, shown=None if args.dry_run else SHOWN_PROBLEMS)
    if args.dry_run:
        return 1 if checked.problems else 0
    api_key = resolve_api_key(args.api_key, home)
    if api_key is None:
        return _fail(f"no API key: pass --api-key, set {API_KEY_ENV}, or run `radar up`")
    return _post(args, home, data, mapping, checked, api_key, transport)


def _post(
    args: argparse.Namespace,
    home: Path,
    data: bytes,
    mapping: Mapping,
    checked: Checked,
    api_key: str,
    transport: httpx.AsyncBaseTransport | None,
) -> int:
    batches = list(make_batches(checked.events))
    state = resume.Progress.for_import(
        args.state_dir or home / "imports", data, args.kind, mapping.system, len(batches)
    )
    if args.restart:
        state.restart()
    skipped = state.done
    left = batches[skipped:]
    if skipped:
        _say(f"resuming: {skipped} of {len(batches)} batches were stored by an earlier run")
    progress = Progress(sum(b.count for b in left))
    poster = Poster(
        args.ingest_url,
        api_key,
        args.concurrency,
        on_progress=progress.advance,
        on_posted=lambda batch: state.finished(batch.number),
        transport=transport,
        give_up_after=args.give_up_after,
    )
    started = time.monotonic()
    try:
        result = asyncio.run(poster.post(left))
    except (PostError, KeyboardInterrupt) as exc:
        progress.finish()
        reason = str(exc) or "interrupted"
        return _fail(
            f"{reason}; {state.done} of {len(batches)} batches are stored. Run the same "
            "command again to go on from there (what was stored is not counted twice)."
        )
    progress.finish()
    elapsed = time.monotonic() - started
    posted = result.accepted
    _say(
        f"imported {posted:,} {args.kind} of {checked.rows:,} rows in {elapsed:.1f} s "
        f"({posted / elapsed if elapsed else 0:,.0f} rows/s); "
        f"{checked.rejected_rows:,} rows invalid, {len(result.rejected):,} refused by ingest"
        + (f"; {sum(b.count for b in batches[:skipped]):,} stored before" if skipped else "")
    )
    for rejection in result.rejected[:SHOWN_PROBLEMS]:
        _say(f"  refused: event {rejection.event_id}: {rejection.reason()}")
    return 1 if checked.problems or result.rejected else 0


def _report(path: Path, checked: Checked, shown: int | None) -> None:
    _say(
        f"{path}: {checked.rows:,} rows read ({checked.encoding}); "
        f"{len(checked.events):,} valid, {checked.rejected_rows:,} rejected"
    )
    for problem in checked.problems[:shown]:
        _say(f'  line {problem.line}, column "{problem.column}": {problem.reason}')
    hidden = len(checked.problems) - len(checked.problems[:shown])
    if hidden:
        reasons = Counter(p.column for p in checked.problems)
        top = ", ".join(f'"{c}" {n:,}' for c, n in reasons.most_common(5))
        _say(f"  ... and {hidden:,} more (by column: {top}); --dry-run lists them all")


def register(commands: Any, home: Path) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "import",
        help="import a CRM or support-desk export (CSV or JSON lines) through ingest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _arguments(parser, home)
    parser.set_defaults(run=lambda args: run(args, home))


def parse(argv: list[str], home: Path) -> argparse.Namespace:
    """The options of `radar import` as the command line gives them, for callers in code."""
    parser = argparse.ArgumentParser(prog="radar import")
    _arguments(parser, home)
    return parser.parse_args(argv)


def _arguments(parser: argparse.ArgumentParser, home: Path) -> None:
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("file", type=Path)
    parser.add_argument(
        "--mapping",
        default="salesforce",
        metavar="NAME|FILE",
        help=f"column names: {' or '.join(BUILT_IN)} (default: %(default)s), or a TOML file",
    )
    parser.add_argument("--format", choices=("csv", "jsonl"), help="default: from the file name")
    parser.add_argument(
        "--dry-run", action="store_true", help="validate and report every problem; post nothing"
    )
    parser.add_argument("--ingest-url", default=DEFAULT_INGEST_URL, metavar="URL")
    parser.add_argument(
        "--api-key", metavar="KEY", help=f"default: ${API_KEY_ENV}, else {home / KEY_FILE}"
    )
    parser.add_argument("--concurrency", type=int, default=4, metavar="C")
    parser.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help=f"where progress is kept for resuming (default: {home / 'imports'})",
    )
    parser.add_argument(
        "--restart", action="store_true", help="post every batch again, ignoring saved progress"
    )
    parser.add_argument(
        "--give-up-after",
        type=float,
        default=120.0,
        metavar="S",
        help="stop when ingest keeps failing for this long (default: %(default)s s)",
    )


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _fail(message: str) -> int:
    _say(f"radar import: {message}")
    return 1
