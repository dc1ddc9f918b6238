"""For the API tests: the key, an embedder held at its query step, and a real server in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import uvicorn
from fastapi import FastAPI

from semsearch.embedding.fake import FakeEmbedder
from tests.support.ports import free_port

API_KEY = "test-key-0123456789"


class GatedEmbedder(FakeEmbedder):
    """The fake embedder, whose queries wait at a gate (open until ``close()``): a model busy with
    long queries, so that a test can see what else is answered meanwhile, without timing anything."""

    def __init__(self) -> None:
        super().__init__()
        self._gate = threading.Event()
        self._gate.set()
        self._lock = threading.Lock()
        self.waiting = 0  # queries inside embed_query right now

    def close(self) -> None:
        self._gate.clear()

    def open(self) -> None:
        self._gate.set()

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            self.waiting += 1
        try:
            self._gate.wait(timeout=60)
            return super().embed_query(text)
        finally:
            with self._lock:
                self.waiting -= 1


@contextmanager
def running(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with a real uvicorn on 127.0.0.1 in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
