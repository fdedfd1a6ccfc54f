"""The local stack's API key: made once, kept in the radar home, so `radar simulate`
and curl examples work without any setup. Only its SHA-256 goes to the ingest config."""

from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path

from radar_schemas.topics import RAW_TOPICS, TOPIC_BY_TYPE

KEY_FILE = "demo-api-key"
KEYRING_FILE = "ingest-keys.toml"


def ensure_demo_key(home: Path) -> tuple[str, Path]:
    """The demo key and the ingest key file that accepts it (every raw event type)."""
    key_path, keyring_path = home / KEY_FILE, home / KEYRING_FILE
    if not key_path.exists() or not keyring_path.exists():
        key = f"radar_demo_{secrets.token_urlsafe(24)}"
        allowed = sorted(t for t, topic in TOPIC_BY_TYPE.items() if topic in RAW_TOPICS)
        keyring_path.write_text(
            "# Made by `radar up` for the local stack; delete both files to rotate.\n"
            "[[keys]]\n"
            'source = "demo"\n'
            f'sha256 = "{hashlib.sha256(key.encode()).hexdigest()}"\n'
            f"allow = {json.dumps(allowed)}\n"
        )
        key_path.touch(mode=0o600)
        key_path.write_text(key + "\n")
    return key_path.read_text().strip(), keyring_path
