"""The demo's people: one per role, with API tokens `radar up --demo` minted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DemoUser:
    key: str  # what the sign-in form posts
    name: str
    email: str
    role: str
    token: str


def read_demo_users(path: Path | None) -> tuple[DemoUser, ...]:
    """The file's users, or none when there is no file (the demo is not running)."""
    if path is None or not path.is_file():
        return ()
    entries = json.loads(path.read_text())
    return tuple(
        DemoUser(
            key=str(entry["key"]),
            name=str(entry["name"]),
            email=str(entry["email"]),
            role=str(entry["role"]),
            token=str(entry["token"]),
        )
        for entry in entries
    )
