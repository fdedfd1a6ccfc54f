"""A FastAPI app behind a real uvicorn in a thread of its own, for clients that need a
socket and block (schemathesis, requests, SDKs)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from radar_runtime.local.process import free_port


@contextmanager
def served_in_thread(app: FastAPI, *, started_timeout: float = 60) -> Iterator[str]:
    """Yields the base URL once the server listens and the service's runtime started."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + started_timeout
    runtime = app.state.runtime
    while not (server.started and runtime.started.is_set()):
        if not thread.is_alive():
            raise RuntimeError("uvicorn stopped during start-up")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{app.title} did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
