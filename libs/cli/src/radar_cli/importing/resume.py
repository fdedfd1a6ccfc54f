"""How far an import got: the number of leading batches ingest has stored, kept in a small
JSON file per export (named by the SHA-256 of the file, the kind and the mapping), so an
interrupted import goes on where it stopped. Batches are posted a few at a time and
finish in any order; only the unbroken run from the first is recorded."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


class Progress:
    def __init__(self, path: Path, total: int) -> None:
        self.path = path
        self.total = total
        self.done = self._read()
        self._finished: set[int] = set()

    @staticmethod
    def for_import(directory: Path, data: bytes, kind: str, mapping: str, total: int) -> Progress:
        digest = hashlib.sha256(data + f"\n{kind}\n{mapping}".encode()).hexdigest()[:24]
        return Progress(directory / f"{digest}.json", total)

    def finished(self, number: int) -> None:
        """Batch `number` (counting from 0) is stored; record the unbroken run."""
        self._finished.add(number)
        before = self.done
        while self.done in self._finished:
            self._finished.discard(self.done)
            self.done += 1
        if self.done != before:
            self._write()

    def _read(self) -> int:
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return 0
        done = state.get("batches_done") if isinstance(state, dict) else None
        valid = isinstance(done, int) and state.get("batches") == self.total
        return min(done, self.total) if valid and done >= 0 else 0

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        draft = self.path.with_suffix(".tmp")
        draft.write_text(json.dumps({"batches": self.total, "batches_done": self.done}))
        draft.replace(self.path)  # whole or not at all, even if the import is killed here

    def restart(self) -> None:
        self.done = 0
        self.path.unlink(missing_ok=True)
