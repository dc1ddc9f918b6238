"""Search filters, evaluated by the store's engine (never after the fact)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from semsearch.ids import slugify


def name_tokens(name: str | None) -> list[str]:
    """'BORSUS Willy' -> ['borsus', 'willy']: filters match names whatever their case or accents."""
    return slugify(name).split("-") if name else []


@dataclass(frozen=True)
class SearchFilter:
    date_from: date | None = None  # asked on or after
    date_to: date | None = None  # asked on or before
    before: date | None = None  # asked strictly before: what a search at that date could see
    assembly: str | None = None
    session: str | None = None
    author: str | None = None  # every word must be in the author's name
    addressee: str | None = None  # every word must be in the minister's name or role
    answered: bool | None = None
    language: str | None = None
    exclude_question: str | None = None
    only_questions: tuple[str, ...] | None = None  # restrict to these question ids

    def is_empty(self) -> bool:
        return self == SearchFilter()
