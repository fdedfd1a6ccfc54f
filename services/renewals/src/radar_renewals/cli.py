"""`radar-renewals-backtest`: the backtest over the service's database, and fitting.

    radar-renewals-backtest --from 2024-01-01 --to 2024-12-31 [--fit] [--output FILE]

reads the renewals schema (DATABASE_URL / RADAR_RENEWALS_DB_SCHEMA, or the flags),
prints AUC, Brier score and the calibration table; with --fit it also fits the
risk → p_renew curve to those outcomes and writes it as a small rule file. Point
RADAR_RENEWALS_CALIBRATION_PATH at that file (or copy its [calibration] table into
your rule file) and restart the service to use it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from radar_renewals.domain.calibration import NotEnoughSamples
from radar_renewals.domain.evaluation import Evaluator
from radar_renewals.domain.predictions import DEFAULT_HORIZON_DAYS, Backtest, calibration_toml
from radar_renewals.rules import read_rules
from radar_renewals.settings import RenewalsSettings
from radar_renewals.store.facts import closed_histories
from radar_runtime import Database
from radar_runtime.rules import RuleFileError

DEFAULT_OUTPUT = Path("renewals-calibration.toml")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="radar-renewals-backtest",
        description="Backtest the renewal risk score on closed terms due in a date range.",
    )
    parser.add_argument("--from", dest="start", type=date.fromisoformat, required=True)
    parser.add_argument("--to", dest="end", type=date.fromisoformat, required=True)
    parser.add_argument(
        "--horizon-days",
        type=int,
        default=DEFAULT_HORIZON_DAYS,
        help="score each term this many days before its renewal date (default %(default)s)",
    )
    parser.add_argument("--fit", action="store_true", help="fit the calibration curve too")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where --fit writes")
    parser.add_argument("--database-url", help="default: DATABASE_URL")
    parser.add_argument("--schema", help="default: RADAR_RENEWALS_DB_SCHEMA or 'renewals'")
    parser.add_argument("--rules", "--config", type=Path, help="rule file (default: the service's)")
    args = parser.parse_args(argv)
    if args.end < args.start:
        parser.error("--to must not be before --from")
    return args


async def run(args: argparse.Namespace) -> int:
    settings = RenewalsSettings()
    evaluator = Evaluator(read_rules(args.rules or settings.rules_path, settings.calibration_path))
    db = Database(args.database_url or settings.database_url, args.schema or settings.db_schema)
    today = datetime.now(UTC).date()
    backtest = Backtest(args.start, args.end, args.horizon_days)
    try:
        async with db.sessions() as session:
            async for facts in closed_histories(session, args.start, args.end):
                backtest.score(evaluator, facts, today)
    finally:
        await db.dispose()
    print(f"renewals due {args.start} to {args.end}, scored {args.horizon_days} days before")
    print(backtest.report().to_text())
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
        return asyncio.run(run(args))
    except RuleFileError as error:
        print(f"radar-renewals-backtest: invalid rule file\n{error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
