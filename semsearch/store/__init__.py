"""Opening the store the settings choose: a Qdrant server when ``qdrant_url`` is set, else the
embedded index."""

from __future__ import annotations

from semsearch.settings import Settings
from semsearch.store.base import PointData, Store, StoredPoint

__all__ = ["PointData", "Store", "StoredPoint", "open_store", "remove_store"]


def open_store(settings: Settings, read_only: bool = False) -> Store:
    """``read_only``: for a command that only reads (a read-only index folder can then be read)."""
    if settings.qdrant_url:
        from semsearch.store.server import ServerStore

        return ServerStore(settings)
    from semsearch.store.edge import EdgeStore

    return EdgeStore(settings.index_path, read_only=read_only)


def remove_store(settings: Settings) -> None:
    """Delete what ``open_store`` would open (``semsearch index --rebuild``): the collection or the folder."""
    if settings.qdrant_url:
        from semsearch.store.server import ServerStore

        store = ServerStore(settings)
        try:
            store.drop()
        finally:
            store.close()
        return
    from semsearch.store.edge_folder import remove_index

    remove_index(settings.index_path)
