"""`python -m radar_notifier.local`: the Slack webhook sink and the SMTP catcher in one
process, for `radar up` and the benchmarks. Prints where they listen as one JSON line
first (a benchmark reads it), then for people."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json

from radar_notifier.local.slack import SlackSink
from radar_notifier.local.smtp import LOOPBACK, SmtpCatcher


async def _serve(host: str, slack_port: int, smtp_port: int) -> None:
    catcher = SmtpCatcher(host=host, port=smtp_port)
    await catcher.start()
    sink = SlackSink(host=host, port=slack_port, catcher=catcher)
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local Slack webhook sink and SMTP catcher.")
    parser.add_argument("--host", default=LOOPBACK, help="loopback address to listen on")
    parser.add_argument("--slack-port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--smtp-port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.slack_port, args.smtp_port))


if __name__ == "__main__":
    main()
