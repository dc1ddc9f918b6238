"""Settings for tests: the fake model, no ``.env`` file, and no Qdrant server unless one is given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from semsearch.settings import Settings


def fake_settings(index_path: Path, **fields: Any) -> Settings:
    """``qdrant_url`` is None unless given: a developer's SEMSEARCH_QDRANT_URL must not send tests
    to a server."""
    values: dict[str, Any] = {"model": "fake", "qdrant_url": None, **fields}
    return Settings(index_path=index_path, _env_file=None, **values)  # type: ignore[call-arg]
