"""Identities: question ids derived from a question's natural key, and point ids."""

from __future__ import annotations

import re
import unicodedata
import uuid

# Fixed namespace: point ids must be the same on every machine and in every run.
_POINT_NAMESPACE = uuid.UUID("5d3c1e0a-6f1b-4b8e-9a51-3c2f0e7d9b42")

_NUMBER = re.compile(r"^\s*(\d+)\s*\((\d{4}-\d{4})\)\s*(\d+)\s*$")


def slugify(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def addressee_name(addressee: str | None) -> str | None:
    """The minister's name without the function: 'BORSUS Willy, Ministre de …' -> 'BORSUS Willy'."""
    if not addressee:
        return None
    return addressee.split(",", 1)[0].strip() or None


def _short_number(number: str, session: str | None) -> str:
    # '574 (2022-2023) 1' repeats the session: keep '574-1'.
    match = _NUMBER.match(number)
    if match and (session is None or match.group(2) == session):
        return f"{match.group(1)}-{match.group(3)}"
    return number


def natural_key(assembly: str, session: str | None, number: str | None, addressee: str | None) -> str | None:
    """(assembly, session, number, addressee) as one slug, or None when it cannot identify.

    Walloon numbers restart per minister, so the addressee is part of the identity.
    """
    name = addressee_name(addressee)
    if not number or not name:
        return None
    parts = [assembly, session or "", _short_number(number, session), name]
    return "-".join(s for s in (slugify(p) for p in parts) if s)


def derive_question_id(assembly: str, session: str | None, number: str | None, addressee: str | None) -> str:
    key = natural_key(assembly, session, number, addressee)
    if key is None:
        from semsearch.errors import InputError

        raise InputError("question has no id and no number/addressee to derive one from")
    return key


def point_id(question_id: str, position: int, generation: int = 0) -> str:
    """A passage's point id. Generation 0 is the id of points written before generations."""
    key = f"{question_id}#{position}" if generation == 0 else f"{question_id}#{generation}#{position}"
    return str(uuid.uuid5(_POINT_NAMESPACE, key))
