"""`radar up` runs everything locally; `radar status` shows how it is doing;
`radar simulate` posts realistic simulated customers to it; `radar import` loads CRM and
support-desk exports into it; `radar topology` prints which service consumes and emits
which events."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from radar_runtime.local import LocalServerError

from .importing import register as register_import
from .processes import StartupError
from .simulate import register as register_simulate
from .stack import LocalStack, say
from .status import print_status
from .topology import print_topology


def default_home() -> Path:
    return Path(os.environ.get("RADAR_HOME", ".radar")).resolve()


def _interrupt_once(*_: object) -> None:
    # SIGTERM (e.g. from a process manager) stops as cleanly as Ctrl-C; signals that
    # follow must not cut the orderly shutdown short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def up(args: argparse.Namespace) -> int:
    stack = LocalStack(args.home, demo=args.demo)
    signal.signal(signal.SIGINT, _interrupt_once)
    signal.signal(signal.SIGTERM, _interrupt_once)
    try:
        stack.start()
        stack.print_urls()
        if args.demo:
            say("\ndemo: posting simulated customers through the ingest API...")
            simulate = ["simulate", f"--truth={args.home / 'simulation-truth.json'}"]
            main([*simulate, f"--api-key={stack.api_key}"] if stack.api_key else simulate)
            say("demo: posted; scores, renewals and alerts follow within seconds")
        stack.watch()
    except (StartupError, LocalServerError) as exc:
        say(f"radar up failed: {exc}")
        return 1
    except KeyboardInterrupt:
        say("\nstopping...")
    finally:
        stack.stop()
    say("stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="radar", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up_parser = commands.add_parser("up", help="start the broker, database and services")
    up_parser.add_argument("--home", type=Path, default=default_home(), help="data and logs")
    up_parser.add_argument(
        "--demo", action="store_true", help="then post simulated customers (radar simulate)"
    )
    up_parser.set_defaults(run=up)
    status_parser = commands.add_parser("status", help="readiness and lag of each service")
    status_parser.set_defaults(run=lambda _: print_status())
    topology_parser = commands.add_parser(
        "topology", help="which service consumes and emits which events on which topics"
    )
    topology_parser.set_defaults(run=lambda _: print_topology())
    register_simulate(commands, default_home())
    register_import(commands, default_home())
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
