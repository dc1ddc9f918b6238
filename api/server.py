"""``semsearch serve``: the API under uvicorn."""

from __future__ import annotations

import os

import uvicorn
from fastapi import FastAPI

from api.app import create_app, open_service
from semsearch.errors import ConfigError
from semsearch.settings import Settings

# How ``serve`` hands its exact settings (CLI options included) to worker processes.
_SETTINGS_ENV = "SEMSEARCH_SERVE_SETTINGS"


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    leave_cached: bool = False,
) -> None:
    """Serve the API until interrupted; ``leave_cached``: the process ends next (``Store.close``).

    Raises a ``SemsearchError`` (one line for the CLI) before listening when the index cannot be
    served: held by another process, built with another model, or ``workers`` above 1 with the
    embedded store.
    """
    if workers < 1:
        raise ConfigError(f"--workers must be 1 or more, not {workers}")
    if workers > 1 and not settings.qdrant_url:
        # Qdrant Edge lets one process hold an index: the second worker could not open it.
        raise ConfigError(
            f"--workers {workers}: the embedded index can be held by one process only. Serve it with one "
            "worker (it answers requests concurrently, in threads), or use a Qdrant server "
            "(SEMSEARCH_QDRANT_URL) to run several"
        )
    options = {"host": host, "port": port, "log_level": "info", "timeout_graceful_shutdown": 10}
    options.update(proxy_options(settings))
    if workers == 1:
        # One-off `semsearch search` commands ask this server while it holds the embedded index.
        local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        announce = f"http://{local}:{port}" if not settings.qdrant_url else None
        # Opened before listening: a locked index or a model mismatch is then one line from the
        # CLI, not a traceback in uvicorn's start-up log; and opened once (the engine drops an
        # index's files from the page cache as it closes it: a second opening reads them again).
        service = open_service(settings, warm=True)
        try:
            uvicorn.run(create_app(settings, service, announce=announce), **options)  # type: ignore[arg-type]
        finally:
            service.close(leave_cached)
        return
    # Each worker opens its own; opened and closed once here for the same one-line errors.
    open_service(settings, warm=False).close()
    os.environ[_SETTINGS_ENV] = settings.model_dump_json()
    uvicorn.run("api.server:worker_app", factory=True, workers=workers, **options)  # type: ignore[arg-type]


def proxy_options(settings: Settings) -> dict[str, object]:
    """Whose X-Forwarded-For uvicorn believes. Its default trusts any proxy on 127.0.0.1, so a
    local client could name itself anyone and have a fresh rate-limit bucket per request; here
    only the configured proxies are trusted, and none by default."""
    if not settings.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(settings.trusted_proxies)}


def worker_app() -> FastAPI:
    """The app of one of several workers (uvicorn imports this), with ``serve``'s settings."""
    data = os.environ.get(_SETTINGS_ENV)
    return create_app(Settings.model_validate_json(data) if data else Settings())
