"""Copy an index to a Qdrant server with its vectors: nothing is embedded again.

Points keep their ids, so a migration that stopped half-way is finished by running it again.
The copy is checked by counting points and questions on both sides.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from semsearch.errors import InputError, MigrationError, ModelMismatchError
from semsearch.index_meta import dimension_of, model_of, question_dimension_of, same_model
from semsearch.settings import Settings
from semsearch.store.base import Layout, Store
from semsearch.store.edge import EdgeStore
from semsearch.store.server import ServerStore


@dataclass
class MigrationReport:
    source: str
    target: str
    points: int
    questions: int
    seconds: float


def migrate(
    source: Store, target: Store, batch: int = 256, on_progress: Callable[[int], None] | None = None
) -> MigrationReport:
    """Copy the points of ``source`` (vectors, payload) and its meta into ``target``; check the counts."""
    started = time.monotonic()
    meta = source.read_meta()
    if meta is None or source.count() == 0:
        raise InputError(f"{source.location} holds no index to migrate")
    existing = target.read_meta()
    if existing is not None and not same_model(existing, meta):
        raise ModelMismatchError(
            f"{target.location} holds an index of model '{model_of(existing)}', not "
            f"'{model_of(meta)}': migrate into another collection (SEMSEARCH_COLLECTION)"
        )
    if existing is None:
        target.write_meta(meta)
    target.ensure_collection(Layout(int(dimension_of(meta) or 0), question_dimension_of(meta)))
    for page in source.points(batch):
        target.upsert(page)
        if on_progress is not None:
            on_progress(len(page))
    expected = (source.count(), source.count(heads_only=True))
    copied = (target.count(), target.count(heads_only=True))
    if copied != expected:
        raise MigrationError(
            f"{target.location} has {copied[0]} passages of {copied[1]} questions after the copy, but "
            f"{source.location} has {expected[0]} of {expected[1]}: was the collection already in use?"
        )
    return MigrationReport(
        source.location, target.location, expected[0], expected[1], time.monotonic() - started
    )


def migrate_index(
    settings: Settings,
    url: str,
    api_key: str | None = None,
    batch: int = 256,
    on_progress: Callable[[int], None] | None = None,
) -> MigrationReport:
    """``semsearch migrate --to URL``: the embedded index of ``settings`` to a server's collection."""
    if not settings.index_path.is_dir():
        raise InputError(f"{settings.index_path} holds no index to migrate")
    server = settings.model_copy(
        update={"qdrant_url": url, "qdrant_api_key": api_key or settings.qdrant_api_key}
    )
    source = EdgeStore(settings.index_path, create=False)
    try:
        target = ServerStore(server)
        try:
            return migrate(source, target, batch, on_progress)
        finally:
            target.close()
    finally:
        source.close()
