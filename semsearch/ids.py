"""Identities: question ids derived from a question's natural key, and point ids.

A derived id keeps every letter of every script: a Latin letter loses its accent ('é' -> 'e',
as ids always did, so Walloon ids are unchanged), any other letter stays as it is ('Ł', 'П',
'中' are kept, lower-cased). Ids made by the first rule dropped non-Latin letters, so two
Ukrainian questions of one number got one id; ``ID_RULE`` names the rule an index was built with.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
import uuid

# Fixed namespace: point ids must be the same on every machine and in every run.
_POINT_NAMESPACE = uuid.UUID("5d3c1e0a-6f1b-4b8e-9a51-3c2f0e7d9b42")

# 1: ASCII only (letters without an ASCII form dropped); 2: every letter kept.
ID_RULE = 2

_NUMBER = re.compile(r"^\s*(\d+)\s*\((\d{4}-\d{4})\)\s*(\d+)\s*$")


def _fold(ch: str) -> str:
    """A character as ids spell it: the ASCII letters of its compatibility form when it has only
    those and accents ('é' -> 'e', 'ﬁ' -> 'fi'), else itself ('ł', 'й', '中')."""
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return base if base.isascii() and base else ch


_ASCII_SEPARATORS = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=8192)  # names and assemblies repeat: a passage's payload slugs several
def slugify(text: str) -> str:
    """Lower-case words joined by '-': letters, digits and combining marks of any script are kept
    (a mark is part of its letter in many scripts); everything else separates words."""
    if text.isascii():
        return _ASCII_SEPARATORS.sub("-", text.lower()).strip("-")
    words: list[str] = []
    word: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        for c in _fold(ch).lower():
            if unicodedata.category(c)[0] in "LNM":
                word.append(c)
            elif word:
                words.append("".join(word))
                word = []
    if word:
        words.append("".join(word))
    return "-".join(words)


def _part(text: str) -> str:
    """A natural key's part: its slug, or (a part with no letter or digit at all, e.g. '†') a
    short hash of it, so that two such parts never make one key."""
    return slugify(text) or (
        "x" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8] if text.strip() else ""
    )


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

    Walloon numbers restart per minister, so the addressee is part of the identity. Never empty:
    the number and the name are both there, and a part without letters or digits is hashed.
    """
    name = addressee_name(addressee)
    if not number or not name:
        return None
    parts = [assembly, session or "", _short_number(number, session), name]
    return "-".join(s for s in map(_part, parts) if s)


def derive_question_id(assembly: str, session: str | None, number: str | None, addressee: str | None) -> str:
    key = natural_key(assembly, session, number, addressee)
    if key is None:
        from semsearch.errors import InputError

        raise InputError("question has no id and no number/addressee to derive one from")
    return key


def id_problem(question_id: str) -> str | None:
    """Why a question's own id cannot be carried by the API's routes (``/questions/{id}``,
    ``/questions/{id}/related``, ``/q/{id}``), or None. An id ending in '/related' would always
    be read as the related-questions route of another id; empty, '.' and '..' path segments are
    rewritten by clients before a request is sent; control characters are no one's id."""
    if any(unicodedata.category(c) == "Cc" for c in question_id):
        return "an id may not hold control characters"
    segments = question_id.split("/")
    if segments[-1] == "related" and len(segments) > 1:
        return "an id may not end with '/related' (the API's route for related questions)"
    if any(s in {"", ".", ".."} for s in segments):
        return "an id may not start or end with '/', hold '//', or a '.' or '..' segment"
    return None


def point_id(question_id: str, position: int, generation: int = 0) -> str:
    """A passage's point id. Generation 0 is the id of points written before generations."""
    key = f"{question_id}#{position}" if generation == 0 else f"{question_id}#{generation}#{position}"
    return str(uuid.uuid5(_POINT_NAMESPACE, key))
