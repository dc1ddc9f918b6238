"""What an index records about itself (its model, the vectors' dimension, the layout's version),
and the checks that refuse an index the configured model cannot use.

The store keeps this record (a file beside the Edge shard, the collection's metadata on a
server); only this module knows its keys.
"""

from __future__ import annotations

from typing import Any

from semsearch.errors import ModelMismatchError
from semsearch.ids import ID_RULE

# 2: a BM25 sparse vector beside the dense one. 3: questions ranked as wholes (question-level BM25
# and vectors on each question's head; no passage-level BM25).
SCHEMA_VERSION = 3
# Generations (semsearch.generations) need no new schema: a point without one is generation 0,
# committed. The id rule is recorded apart ("ids", semsearch.id_migration), so that an index of
# the first rule can be brought up to date in place rather than rebuilt.

Meta = dict[str, Any]


def new_meta(
    model: str, dimension: int, question_model: str, question_dimension: int | None, precision: str = "fp32"
) -> Meta:
    return {
        "model": model,
        "dimension": dimension,
        "precision": precision,
        "question_model": question_model,
        "question_dimension": question_dimension,
        "schema": SCHEMA_VERSION,
        "ids": ID_RULE,
    }


def question_dimension_of(meta: Meta | None) -> int | None:
    return meta.get("question_dimension") if meta else None


def question_model_of(meta: Meta | None) -> str | None:
    return meta.get("question_model") if meta else None


def id_rule_of(meta: Meta | None) -> int:
    """The rule the index's derived ids were made with (``semsearch.ids.ID_RULE``); an index
    that does not say was made with the first."""
    return int(meta.get("ids", 1)) if meta else ID_RULE


def model_of(meta: Meta | None) -> str | None:
    return meta.get("model") if meta else None


def dimension_of(meta: Meta | None) -> int | None:
    return meta.get("dimension") if meta else None


def precision_of(meta: Meta | None) -> str:
    return str(meta.get("precision", "fp32")) if meta else "fp32"


def check_precision(meta: Meta | None, model: str, precision: str, location: str) -> None:
    """Refuse to search int8 vectors with fp32 ones, or the reverse: close, but not the same."""
    built = precision_of(meta)
    if meta and built != precision:
        setting = "onnx-int8" if built == "int8" else "onnx"
        raise ModelMismatchError(
            f"the index {location} holds {built} vectors of '{model}' but the encoder makes {precision} "
            f"ones: set SEMSEARCH_ENCODER={setting}, or re-index with 'semsearch index --rebuild'"
        )


def check_model(meta: Meta | None, model: str, question_model: str, location: str, new_place: str) -> None:
    """Refuse an index of an older layout or of other models; ``new_place`` says where a new
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
    if meta.get("question_model") != question_model:
        raise ModelMismatchError(
            f"the index {location} was built with question model '{meta.get('question_model')}' but "
            f"SEMSEARCH_QUESTION_MODEL is '{question_model}': set SEMSEARCH_QUESTION_MODEL="
            f"{meta.get('question_model')}, or re-index into a new {new_place} or with "
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
    keys = ("model", "dimension", "question_model", "question_dimension", "precision")
    return all(a.get(k) == b.get(k) for k in keys)
