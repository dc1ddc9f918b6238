"""An index made with the first id rule (which dropped letters outside the Latin alphabet),
brought to the current one before anything is written to it, or refused in one line.

What the rule derives besides ids (each question's natural key, which merges a page with its
export record, and the name tokens the author and addressee filters match) is computed again
from each question's own fields and rewritten in place. A question whose *id* was derived would
get another id: its points cannot be renamed in place (their ids are made from it), so such an
index is refused, to be rebuilt from its sources.
"""

from __future__ import annotations

from semsearch import index_meta
from semsearch.errors import ModelMismatchError
from semsearch.ids import ID_RULE
from semsearch.payload import Payload, is_id_derived, key_fields, natural_key_of
from semsearch.store import conditions as cond
from semsearch.store.base import Store


def _renamed(heads: dict[str, Payload]) -> list[tuple[str, str]]:
    """(old id, new id) of each question whose derived id the current rule changes."""
    found = []
    for qid, head in sorted(heads.items()):
        new = natural_key_of(key_fields(head))
        if is_id_derived(head) and new and new != qid:
            found.append((qid, new))
    return found


def bring_up_to_date(store: Store, meta: index_meta.Meta) -> index_meta.Meta:
    """``meta`` of an index made with the current id rule: the index migrated, or refused."""
    if index_meta.id_rule_of(meta) >= ID_RULE:
        return meta
    heads = store.heads(None)
    renamed = _renamed(heads)
    if renamed:
        old, new = renamed[0]
        raise ModelMismatchError(
            f"the index {store.location} was built by an older semsearch whose ids dropped letters "
            f"outside the Latin alphabet: {len(renamed)} questions would get another id (e.g. "
            f"'{old}' is now '{new}'); rebuild it from its sources ('semsearch index --rebuild …')"
        )
    for qid, head in heads.items():
        fields = key_fields(head)
        if any(head.get(key) != value for key, value in fields.items()):
            store.set_payload(cond.every_point_of([qid]), fields)
    updated = {**meta, "ids": ID_RULE}
    store.write_meta(updated)
    return updated
