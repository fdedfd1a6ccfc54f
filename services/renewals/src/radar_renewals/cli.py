"""`radar-renewals-backtest`: the backtest over the service's database, and fitting.

    radar-renewals-backtest --from 2026-01-01 --to 2026-12-31 [--truth FILE] [--fit]

reads the renewals schema, prints AUC, Brier score and the calibration table against
the outcomes observed (and, with --truth, against a simulation's drawn outcomes); with
--fit it also fits the risk → p_renew curve to the observed outcomes and writes it as a
small rule file. Point RADAR_RENEWALS_CALIBRATION_PATH at that file (or copy its
[calibration] table into your rule file) and restart the service to use it.

The database: --database-url, else DATABASE_URL, else the PostgreSQL `radar up` runs
(127.0.0.1:15432), so the command works beside `make run` with no settings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path

from radar_renewals.domain.backtest import RULES_QUALITY
from radar_renewals.domain.calibration import NotEnoughSamples
from radar_renewals.domain.evaluation import Evaluator
from radar_renewals.domain.predictions import (
    DEFAULT_HORIZON_DAYS,
    Backtest,
    Outcomes,
    calibration_toml,
    truth_outcomes,
)
from radar_renewals.rules import read_rules
from radar_renewals.settings import RenewalsSettings
from radar_renewals.store.facts import closed_histories
from radar_runtime import Database
from radar_runtime.errors import database_unreachable
from radar_runtime.rules import RuleFileError

DEFAULT_OUTPUT = Path("renewals-calibration.toml")
# The PostgreSQL `radar up` (`make run`) starts when DATABASE_URL is not set.
LOCAL_STACK_DATABASE = "postgresql+asyncpg://postgres@127.0.0.1:15432/postgres"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="radar-renewals-backtest",
        description="Backtest the renewal risk score on terms due in a date range.",
    )
    parser.add_argument("--from", dest="start", type=date.fromisoformat, required=True)
    parser.add_argument("--to", dest="end", type=date.fromisoformat, required=True)
    parser.add_argument(
        "--horizon-days",
        type=int,
        default=DEFAULT_HORIZON_DAYS,
        help="score each term this many days before its renewal date (default %(default)s)",
    )
    parser.add_argument(
        "--truth",
        type=Path,
        help="a simulation's truth file (radar simulate writes .radar/simulation-truth.json): "
        "score against its drawn outcomes too",
    )
    parser.add_argument("--fit", action="store_true", help="fit the calibration curve too")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where --fit writes")
    parser.add_argument(
        "--database-url", help="default: DATABASE_URL, else radar up's (127.0.0.1:15432)"
    )
    parser.add_argument("--schema", help="default: RADAR_RENEWALS_DB_SCHEMA or 'renewals'")
    parser.add_argument("--rules", "--config", type=Path, help="rule file (default: the service's)")
    args = parser.parse_args(argv)
    if args.end < args.start:
        parser.error("--to must not be before --from")
    return args


def database_url(given: str | None, environ: Mapping[str, str]) -> str:
    """--database-url, else DATABASE_URL, else the local stack's."""
    return given or environ.get("DATABASE_URL") or LOCAL_STACK_DATABASE


def read_truth(path: Path) -> Outcomes:
    """The outcomes a simulation drew; raises ValueError naming what is wrong."""
    try:
        return truth_outcomes(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"cannot read the truth file {path}: {error}") from None


async def run(args: argparse.Namespace, truth: Outcomes | None) -> int:
    settings = RenewalsSettings()
    evaluator = Evaluator(read_rules(args.rules or settings.rules_path, settings.calibration_path))
    url = database_url(args.database_url, os.environ)
    db = Database(url, args.schema or settings.db_schema)
    today = datetime.now(UTC).date()
    backtest = Backtest(args.start, args.end, args.horizon_days, truth)
    try:
        async with db.sessions() as session:
            also = {subscription for subscription, _ in truth or ()}
            async for facts in closed_histories(session, args.start, args.end, also=also):
                backtest.score(evaluator, facts, today)
    except Exception as error:
        if not database_unreachable(error):
            raise
        print(
            f"radar-renewals-backtest: cannot reach the database ({error}); start the stack "
            "(make run) or set DATABASE_URL",
            file=sys.stderr,
        )
        return 1
    finally:
        await db.dispose()
    print(f"renewals due {args.start} to {args.end}, scored {args.horizon_days} days before")
    print("against the outcomes observed:")
    print(backtest.report().to_text())
    against_truth = backtest.truth_report()
    if against_truth is not None:
        print(f"against the simulation's outcomes ({args.truth}), open terms included:")
        print(against_truth.to_text())
    print(RULES_QUALITY)
    if not args.fit:
        return 0
    try:
        curve = backtest.fit()
    except NotEnoughSamples as error:
        print(f"not fitted: {error}", file=sys.stderr)
        return 1
    args.output.write_text(calibration_toml(curve, backtest, today), encoding="utf-8")
    print(f"calibration written to {args.output}: set RADAR_RENEWALS_CALIBRATION_PATH to use it")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        truth = read_truth(args.truth) if args.truth else None
        return asyncio.run(run(args, truth))
    except RuleFileError as error:
        print(f"radar-renewals-backtest: invalid rule file\n{error}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"radar-renewals-backtest: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
