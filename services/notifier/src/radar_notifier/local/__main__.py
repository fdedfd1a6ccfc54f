"""`python -m radar_notifier.local`: the Slack webhook sink and the SMTP catcher in one
process, for `radar up` and the benchmarks. Prints where they listen as one JSON line
first (a benchmark reads it), then for people.

With `--state-dir`, what they receive is kept there across restarts. With
`--interactions-url` and the signing secret in RADAR_NOTIFIER_SLACK_SIGNING_SECRET
(the notifier's own setting), the Slack page's buttons post signed clicks there as
one of the `--slack-user` people."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
from pathlib import Path

from radar_notifier.local.slack import Interactivity, SlackSink, SlackUser
from radar_notifier.local.smtp import LOOPBACK, SmtpCatcher

SECRET_VAR = "RADAR_NOTIFIER_SLACK_SIGNING_SECRET"


async def _serve(args: argparse.Namespace) -> None:
    host, state = args.host, args.state_dir
    catcher = SmtpCatcher(
        host=host, port=args.smtp_port, journal=state / "emails.jsonl" if state else None
    )
    await catcher.start()
    sink = SlackSink(
        host=host,
        port=args.slack_port,
        catcher=catcher,
        journal=state / "slack.jsonl" if state else None,
        interactivity=_interactivity(args),
    )
    await sink.start()
    base = f"http://{host}:{sink.port}"
    print(
        json.dumps({"slack_sink": base, "smtp_host": host, "smtp_port": catcher.port}),
        flush=True,
    )
    print(f"Slack webhook sink: {base}/services/<channel> (received: {base}/messages)")
    print(f"SMTP catcher:       {host}:{catcher.port} (received: {base}/emails)", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sink.stop()
        await catcher.stop()


def _interactivity(args: argparse.Namespace) -> Interactivity | None:
    secret = os.environ.get(SECRET_VAR)
    if not (args.interactions_url and secret and args.slack_user):
        return None
    users = tuple(SlackUser(*user.split("=", 1)) for user in args.slack_user)
    return Interactivity(args.interactions_url, secret, users)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local Slack webhook sink and SMTP catcher.")
    parser.add_argument("--host", default=LOOPBACK, help="loopback address to listen on")
    parser.add_argument("--slack-port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--smtp-port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--state-dir", type=Path, help="keep what arrives here")
    parser.add_argument("--interactions-url", help="the app's Slack Request URL")
    parser.add_argument(
        "--slack-user",
        action="append",
        default=[],
        metavar="ID=NAME",
        help="a Slack user the page's buttons may be pressed as (repeat for more)",
    )
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
