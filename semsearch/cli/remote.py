"""Asking a running ``semsearch serve`` instead of opening the index.

When ``semsearch serve`` holds an embedded index, a one-off ``semsearch search`` or ``related``
could not open it (one process per index) and would, if it could, spend a second loading the model.
It sends the same question over HTTP instead (the same parameters as the API, the same results),
and falls back to the index when the server does not answer.
"""

from __future__ import annotations

from typing import Any

from semsearch.errors import InputError
from semsearch.filters import SearchFilter
from semsearch.models import SearchHit
from semsearch.results import Page
from semsearch.settings import Settings
from semsearch.store.serving import served_at


def server_of(settings: Settings) -> str | None:
    """The URL of the ``semsearch serve`` holding this embedded index, if one does."""
    return None if settings.qdrant_url else served_at(settings.index_path)


def _params(flt: SearchFilter, **asked: Any) -> dict[str, Any]:
    values = {
        "from": flt.date_from,
        "to": flt.date_to,
        "before": flt.before,
        "assembly": flt.assembly,
        "session": flt.session,
        "author": flt.author,
        "addressee": flt.addressee,
        "answered": None if flt.answered is None else str(flt.answered).lower(),
        **asked,
    }
    return {k: str(v) for k, v in values.items() if v is not None}


def remote_page(url: str, route: str, flt: SearchFilter, **asked: Any) -> Page | None:
    """The server's page for ``route`` (e.g. ``/search``), or None when it does not answer."""
    import httpx

    try:
        response = httpx.get(url + route, params=_params(flt, **asked), timeout=60)
    except httpx.HTTPError:
        return None
    if response.status_code >= 500:
        return None  # a server in trouble: the index itself may still be readable
    try:
        data = response.json()
    except ValueError:
        return None
    if response.status_code != 200:
        detail = data.get("detail") if isinstance(data, dict) else None
        raise InputError(f"{detail or f'HTTP {response.status_code}'} (from the server at {url})")
    hits = [SearchHit.model_validate(item) for item in data["results"]]
    return Page(hits, data.get("next_offset"))
