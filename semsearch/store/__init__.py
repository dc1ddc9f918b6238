"""Opening the store the settings choose: a Qdrant server when ``qdrant_url`` is set, else the
embedded index."""

from __future__ import annotations

from semsearch.settings import Settings
from semsearch.store.base import PointData, Store, StoredPoint

__all__ = ["PointData", "Store", "StoredPoint", "open_store", "remove_store", "surely_missing"]


def open_store(settings: Settings, create: bool = True) -> Store:
    """``create=False``: a reading command's store: nothing is created before the first write (a
    server store never creates anything before one), and a read-only index folder can be read."""
    if settings.qdrant_url:
        from semsearch.store.server import ServerStore

        return ServerStore(settings)
    from semsearch.store.edge import EdgeStore

    return EdgeStore(settings.index_path, create=create)


def surely_missing(settings: Settings) -> bool:
    """Whether the embedded index is known to be missing without opening anything (a server's
    collection is only known once asked)."""
    if settings.qdrant_url:
        return False
    from semsearch.store.edge_folder import has_shard

    return not has_shard(settings.index_path)


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
