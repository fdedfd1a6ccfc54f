"""Reloading the API keys without a restart: the key file is checked every few seconds
and read again when it changed; SIGHUP reads it at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from ..keys import KeyStore
from ..metrics import KEY_RELOADS

log = logging.getLogger(__name__)


class KeyReloader:
    """A runtime worker: started with the service, stopped with it."""

    def __init__(self, store: KeyStore, every_seconds: float) -> None:
        self.store = store
        self.every_seconds = every_seconds
        self._task: asyncio.Task[None] | None = None
        self._on_sighup = False

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        # Only the main thread may take signals (an app served in a test thread may not).
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
            loop.add_signal_handler(signal.SIGHUP, self.reload)
            self._on_sighup = True
        self._task = asyncio.create_task(self._watch(), name="ingest-key-reload")

    async def stop(self) -> None:
        if self._on_sighup:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
            self._on_sighup = False
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def reload(self) -> None:
        KEY_RELOADS.labels("ok" if self.store.reload() else "refused").inc()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.every_seconds)
            if self.store.file_changed():
                self.reload()
