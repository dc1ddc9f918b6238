"""Settings for tests: the fake model, no ``.env`` file, and no Qdrant server unless one is given."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from semsearch.settings import Settings

# The labels' thresholds belong to a model (docs/evaluation.md); the fake embedder's cosines are
# lower than e5's, and the tests of the labels were written against these.
_FAKE_LABELS = {"same question": 0.95, "closely related": 0.67, "same topic": 0.60}
FAKE_CLOSENESS = {kind: {"fr": _FAKE_LABELS, "en": _FAKE_LABELS} for kind in ("text", "question")}
# The same for a process started with the environment (``semsearch serve``, the CLI).
FAKE_ENV = {"SEMSEARCH_MODEL": "fake", "SEMSEARCH_CLOSENESS_THRESHOLDS": json.dumps(FAKE_CLOSENESS)}


def fake_settings(index_path: Path, **fields: Any) -> Settings:
    """``qdrant_url`` is None unless given: a developer's SEMSEARCH_QDRANT_URL must not send tests
    to a server."""
    values: dict[str, Any] = {
        "model": "fake",
        "qdrant_url": None,
        "closeness_thresholds": FAKE_CLOSENESS,
        **fields,
    }
    return Settings(index_path=index_path, _env_file=None, **values)  # type: ignore[call-arg]
