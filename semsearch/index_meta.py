"""What an index records about itself (its model, the vectors' dimension, the layout's version),
and the checks that refuse an index the configured model cannot use.

The store keeps this record (a file beside the Edge shard, the collection's metadata on a
server); only this module knows its keys.
"""

from __future__ import annotations

from typing import Any

from semsearch.errors import ModelMismatchError
from semsearch.ids import ID_RULE

SCHEMA_VERSION = 2  # 2: a BM25 sparse vector beside the dense one
# Generations (semsearch.generations) need no new schema: a point without one is generation 0,
# committed. The id rule is recorded apart ("ids", semsearch.id_migration), so that an index of
# the first rule can be brought up to date in place rather than rebuilt.

Meta = dict[str, Any]


def new_meta(model: str, dimension: int) -> Meta:
    return {"model": model, "dimension": dimension, "schema": SCHEMA_VERSION, "ids": ID_RULE}


def id_rule_of(meta: Meta | None) -> int:
    """The rule the index's derived ids were made with (``semsearch.ids.ID_RULE``); an index
    that does not say was made with the first."""
    return int(meta.get("ids", 1)) if meta else ID_RULE


def model_of(meta: Meta | None) -> str | None:
    return meta.get("model") if meta else None


def dimension_of(meta: Meta | None) -> int | None:
    return meta.get("dimension") if meta else None


def check_model(meta: Meta | None, model: str, location: str, new_place: str) -> None:
    """Refuse an index of an older layout or of another model; ``new_place`` says where a new
    index could go instead (another folder, another collection)."""
    if not meta:
        return
    if meta.get("schema", 1) != SCHEMA_VERSION:
        raise ModelMismatchError(
            f"the index {location} was built by an older semsearch (schema "
            f"{meta.get('schema', 1)}, now {SCHEMA_VERSION}): re-index it with "
            "'semsearch index --rebuild'"
        )
    if meta.get("model") != model:
        raise ModelMismatchError(
            f"the index {location} was built with model '{meta.get('model')}' but "
            f"SEMSEARCH_MODEL is '{model}': set SEMSEARCH_MODEL={meta.get('model')}, or "
            f"re-index with the new model into a new {new_place} or with "
            "'semsearch index --rebuild'"
        )


def check_dimension(meta: Meta | None, model: str, dimension: int, location: str) -> None:
    if meta and meta.get("dimension") != dimension:
        raise ModelMismatchError(
            f"the index {location} holds {meta.get('dimension')}-dimension vectors but "
            f"model '{model}' makes {dimension}: re-index with this model"
        )


def same_model(a: Meta, b: Meta) -> bool:
    """Two indexes hold vectors of one model (a migration may copy one into the other)."""
    return (a.get("model"), a.get("dimension")) == (b.get("model"), b.get("dimension"))
