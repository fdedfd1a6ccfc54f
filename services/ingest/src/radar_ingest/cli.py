"""`radar-ingest-keys`: make API keys, hash existing ones, check the configuration.

radar-ingest-keys new --source crm --allow account. --allow subscription.
radar-ingest-keys new --source desk --allow ticket. --allow csat. --signing-secret-env DESK_SECRET
echo -n "$KEY" | radar-ingest-keys hash
radar-ingest-keys check          # validates the configured keys as the service would
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import sys
from collections.abc import Sequence

from .domain.auth import hash_key, new_key
from .domain.catalog import INGEST_TYPES
from .keys import (
    ENV_NAME_PATTERN,
    FILE_VARIABLE,
    INLINE_VARIABLE,
    SOURCE_PATTERN,
    KeyConfigError,
    load_keyring,
)
from .settings import IngestSettings


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ValueError as exc:
        print(f"radar-ingest-keys: {exc}", file=sys.stderr)
        return 2


def _new(args: argparse.Namespace) -> int:
    if not re.match(SOURCE_PATTERN, args.source):
        raise ValueError(f"--source {args.source!r} must match {SOURCE_PATTERN}")
    for prefix in args.allow:
        if not any(t.startswith(prefix) for t in INGEST_TYPES):
            raise ValueError(
                f"--allow {prefix!r} matches no event type; types: {', '.join(INGEST_TYPES)}"
            )
    if args.signing_secret_env and not re.match(ENV_NAME_PATTERN, args.signing_secret_env):
        raise ValueError(f"--signing-secret-env {args.signing_secret_env!r} is not a variable name")
    key = new_key()
    entry: dict[str, object] = {"source": args.source, "sha256": hash_key(key), "allow": args.allow}
    if args.signing_secret_env:
        entry["signing_secret_env"] = args.signing_secret_env
    print(
        f"API key for source {args.source!r}, shown only now; keep it in the sender's secret store:"
    )
    print(f"\n    {key}\n")
    if args.signing_secret_env:
        print(
            "Signing secret; set it in the ingest service's environment and give it to the sender:"
        )
        print(f"\n    {args.signing_secret_env}={secrets.token_hex(32)}\n")
    if args.format == "json":
        print(f'Add this entry to the "keys" list in {INLINE_VARIABLE}:\n')
        print(json.dumps(entry))
    else:
        print(f"Add this to the key file ({FILE_VARIABLE}) or to {INLINE_VARIABLE}:\n")
        print(_toml(entry))
    return 0


def _toml(entry: dict[str, object]) -> str:
    lines = ["[[keys]]"]
    for name, value in entry.items():
        lines.append(f"{name} = {json.dumps(value)}")  # JSON strings and arrays are valid TOML
    return "\n".join(lines)


def _hash(_: argparse.Namespace) -> int:
    key = sys.stdin.read().strip()
    if not key:
        raise ValueError("no key on standard input")
    print(hash_key(key))
    return 0


def _check(_: argparse.Namespace) -> int:
    try:
        keyring = load_keyring(IngestSettings())
    except KeyConfigError as exc:
        print(f"invalid: {exc}", file=sys.stderr)
        return 1
    for key in keyring.keys:
        signed = ", signed" if key.signing_secret else ""
        print(f"ok: source {key.source} may send {', '.join(sorted(key.allowed_types))}{signed}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="radar-ingest-keys",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(required=True, metavar="command")
    new = commands.add_parser("new", help="make a key; prints it once with its config entry")
    new.add_argument("--source", required=True, help="source system name, e.g. crm")
    new.add_argument(
        "--allow",
        action="append",
        required=True,
        metavar="PREFIX",
        help="event-type prefix the key may send, e.g. ticket. (repeatable)",
    )
    new.add_argument(
        "--signing-secret-env",
        metavar="NAME",
        help="require signed requests; the secret is read from this environment variable",
    )
    new.add_argument("--format", choices=("toml", "json"), default="toml")
    new.set_defaults(run=_new)
    hashing = commands.add_parser("hash", help="print the sha256 of a key read from stdin")
    hashing.set_defaults(run=_hash)
    check = commands.add_parser("check", help="validate the configured keys")
    check.set_defaults(run=_check)
    return parser


if __name__ == "__main__":
    sys.exit(main())
