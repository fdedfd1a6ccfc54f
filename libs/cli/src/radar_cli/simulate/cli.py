"""`radar simulate`: generate customers, post their events to ingest, write the truth.

The events are generated and encoded into request bodies before the first request (about
250 bytes per event held in memory), so the progress bar knows the total and the rate it
shows is the posting rate alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from radar_cli.demo_key import KEY_FILE

from ..post import Batch, Poster, PostError, PostResult, encode, make_batches
from ..progress import Progress
from .accounts import Account
from .model import SimulationConfig, generate
from .truth import build_truth, write_truth

DEFAULT_INGEST_URL = "http://127.0.0.1:8001"
API_KEY_ENV = "RADAR_API_KEY"
TRUTH_FILE = "simulation-truth.json"

DESCRIPTION = """Simulate customers (accounts, subscriptions, usage, tickets, surveys,
engagement, contacts, renewals) driven by a hidden churn propensity, and post their
events to ingest in time order. Events fall on the DAYS days before --end-date, so none
is in the future; the same options give the same events and event ids, so a re-run is
deduplicated downstream (pass --end-date to re-run on another day). The ground truth
(propensity and outcome per account) goes to --truth for backtests."""


def register(commands: Any, home: Path) -> None:
    """Add `simulate` to the `radar` subcommands; `home` holds the demo key and the truth."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "simulate", help="post realistic simulated customers to ingest", description=DESCRIPTION
    )
    parser.add_argument(
        "--accounts", type=_positive, default=200, metavar="N", help="default: %(default)s"
    )
    parser.add_argument(
        "--days", type=_positive, default=120, metavar="D", help="default: %(default)s"
    )
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="default: %(default)s")
    parser.add_argument(
        "--end-date",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="the window ends at 00:00 UTC of this day (default: today, UTC)",
    )
    parser.add_argument(
        "--ingest-url", default=DEFAULT_INGEST_URL, metavar="URL", help="default: %(default)s"
    )
    parser.add_argument(
        "--api-key",
        default=None,
        metavar="KEY",
        help=f"default: ${API_KEY_ENV}, else the demo key in {home / KEY_FILE}",
    )
    parser.add_argument(
        "--truth",
        type=Path,
        default=home / TRUTH_FILE,
        metavar="PATH",
        help="ground truth JSON (default: %(default)s)",
    )
    parser.add_argument(
        "--dry-run",
        nargs="?",
        const="-",
        default=None,
        metavar="FILE",
        help="write the events as JSON lines to FILE (default stdout) instead of posting",
    )
    parser.add_argument(
        "--concurrency",
        type=_positive,
        default=4,
        metavar="C",
        help="requests in flight (default: %(default)s)",
    )
    parser.set_defaults(run=lambda args: run(args, home))


def run(args: argparse.Namespace, home: Path) -> int:
    today = datetime.now(UTC).date()
    end_date = args.end_date or today
    if end_date > today:
        return _fail(
            f"--end-date {end_date} is after today ({today} UTC): events may not be in the future"
        )
    config = SimulationConfig(args.accounts, args.days, args.seed, end_date)
    accounts = config.accounts_list()
    window = config.window
    _say(
        f"simulating {args.accounts:,} accounts over {args.days} days "
        f"({window.start_date} to {window.end_date}, seed {args.seed})"
    )
    if args.dry_run is not None:
        count = _dry_run(config, args.dry_run)
        if count is None:
            return 1
        _write_truth(args.truth, config, accounts, count)
        return 0

    api_key = resolve_api_key(args.api_key, home)
    if api_key is None:
        return _fail(
            f"no API key: pass --api-key, set {API_KEY_ENV}, or run `radar up` "
            f"(it writes a demo key to {home / KEY_FILE})"
        )
    started = time.monotonic()
    batches = list(make_batches(generate(config, accounts)))
    total = sum(batch.count for batch in batches)
    _say(f"generated {total:,} events in {time.monotonic() - started:.1f} s")
    _write_truth(args.truth, config, accounts, total)
    return _post(batches, total, args, api_key)


def resolve_api_key(given: str | None, home: Path) -> str | None:
    """--api-key, else $RADAR_API_KEY, else the demo key file `radar up` writes."""
    if given:
        return given.strip()
    from_env = os.environ.get(API_KEY_ENV, "").strip()
    if from_env:
        return from_env
    key_file = home / KEY_FILE
    if key_file.is_file():
        return key_file.read_text(encoding="utf-8").strip() or None
    return None


def _post(batches: list[Batch], total: int, args: argparse.Namespace, api_key: str) -> int:
    progress = Progress(total)
    poster = Poster(args.ingest_url, api_key, args.concurrency, on_progress=progress.advance)
    try:
        result = asyncio.run(poster.post(batches))
    except PostError as exc:
        progress.finish()
        return _fail(f"{exc} ({poster.result.accepted:,} events were accepted before this)")
    except KeyboardInterrupt:
        progress.finish()
        return _fail(
            "interrupted; re-run the same command to finish (ids repeat, duplicates are dropped)"
        )
    progress.finish()
    return _report(result, progress)


def _report(result: PostResult, progress: Progress) -> int:
    _say(
        f"posted {result.accepted:,} events in {progress.clock() - progress.started:.1f} s "
        f"({progress.rate():,.0f} events/s; {result.requests:,} requests, "
        f"{result.retries:,} retries)"
    )
    if not result.rejected:
        return 0
    _say(f"{len(result.rejected):,} events were rejected:")
    reasons = Counter((r.event_type, r.reason()) for r in result.rejected)
    for (event_type, reason), count in reasons.most_common(10):
        _say(f"  {count:>7,} {event_type}: {reason}")
    example = result.rejected[0]
    _say(f"  e.g. event {example.event_id}")
    return 1


def _dry_run(config: SimulationConfig, target: str) -> int | None:
    """Write the events as JSON lines; the count, or None when stdout closed early."""
    if target == "-":
        try:
            return _write_lines(config, sys.stdout)
        except BrokenPipeError:
            # e.g. `| head`: stop quietly, and keep Python from complaining at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return None
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        count = _write_lines(config, out)
    _say(f"wrote {count:,} events to {path}")
    return count


def _write_lines(config: SimulationConfig, out: TextIO) -> int:
    count = 0
    for event in generate(config):
        out.write(encode(event).decode() + "\n")
        count += 1
    out.flush()
    return count


def _write_truth(path: Path, config: SimulationConfig, accounts: list[Account], count: int) -> None:
    write_truth(path, build_truth(accounts, seed=config.seed, window=config.window, events=count))
    _say(f"ground truth for {len(accounts):,} accounts in {path}")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _say(message: str) -> None:
    # stderr: stdout may be carrying the events of a dry run.
    print(message, file=sys.stderr, flush=True)


def _fail(message: str) -> int:
    _say(f"radar simulate: {message}")
    return 1
