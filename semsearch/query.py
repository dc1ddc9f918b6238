"""What a query may ask, defined once for every face: the search modes, the page bounds, the text.

The service enforces these rules; the API declares the same bounds in its OpenAPI parameters and
the CLI checks a query before it opens the index, both from here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from semsearch.errors import EmptyQueryError, InputError

SearchMode = Literal["dense", "sparse", "hybrid"]
SEARCH_MODES: tuple[SearchMode, ...] = get_args(SearchMode)
# What a question's score is made of: BM25 over the whole question, its best passages by the
# model, its title-and-question vector, and the question-level model's vector.
SignalName = Literal["bm25", "passages", "question", "question_model"]
SIGNALS: tuple[SignalName, ...] = get_args(SignalName)
DENSE_SIGNALS: tuple[SignalName, ...] = ("passages", "question", "question_model")
# Chosen by cross-validation on the French judged set (the default for every language) and on the
# UK precedents (English, where BM25 over the whole question leaves the models little to add);
# docs/evaluation.md.
DEFAULT_FUSION_WEIGHTS: dict[str, dict[SignalName, float]] = {
    "default": {"bm25": 1.0, "passages": 0.25, "question": 0.5, "question_model": 0.75},
    "en": {"bm25": 1.0, "passages": 0.25, "question": 0.0, "question_model": 0.0},
}
MAX_LIMIT = 100
MAX_OFFSET = 10_000
# The dates a user may type, on every face: ISO first, then the Belgian way of writing them.
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
DATE_HELP = "YYYY-MM-DD or DD/MM/YYYY"


def check_mode(mode: str, name: str = "mode") -> SearchMode:
    """``mode`` as a :data:`SearchMode`; ``name`` is how the user gave it (e.g. ``--mode``)."""
    for known in SEARCH_MODES:
        if mode == known:
            return known
    raise InputError(f"{name} '{mode}': choose among {', '.join(SEARCH_MODES)}")


def check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    if not 0 <= offset <= MAX_OFFSET:
        raise InputError(f"offset must be between 0 and {MAX_OFFSET}, not {offset}")


def query_text(query: str, max_chars: int | None = None) -> str:
    """The query with its whitespace folded; refused when empty or longer than ``max_chars``."""
    text = " ".join(query.split())
    if not text:
        raise EmptyQueryError("the query is empty: give some words to search for")
    if max_chars is not None and len(text) > max_chars:
        raise InputError(f"the query has {len(text)} characters; the limit is {max_chars}")
    return text


def parse_date(value: str | None, name: str) -> date | None:
    """A date a user gave (``name``: how they gave it, e.g. ``--from`` or ``from``), in one of
    :data:`DATE_FORMATS`. A number is refused: JSON parsers read ``0`` as 1970-01-01, which no one
    means by it."""
    if value is None:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    shown = value if len(value) <= 40 else value[:39] + "…"
    raise InputError(f"{name}: {shown!r} is not a date (use {DATE_HELP})")  # repr: one line, always
