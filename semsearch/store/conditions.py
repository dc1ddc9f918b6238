"""The engine conditions a search, a count or a lookup needs, built once for both engines.

A :class:`SearchFilter` (the user's filter) and the store's own lookups (a question's passages,
heads, a natural key) become plain conditions on payload fields here. Every read excludes the
passages of writes not committed yet (``semsearch.generations``): a reader never sees a question
half-written, nor one whose write was cut by a crash. Qdrant Edge and
qdrant-client describe the same filter with different classes; deciding *which* conditions are
needed happens once, so the two backends cannot drift apart, and each backend only supplies a
:class:`Spelling` for its classes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from semsearch import payload as pl
from semsearch.filters import SearchFilter, name_tokens


@dataclass(frozen=True)
class Match:
    key: str
    value: str | int


@dataclass(frozen=True)
class MatchAny:
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class DateRange:
    key: str
    bounds: tuple[tuple[str, str], ...]  # ("gte" | "lte" | "lt", ISO date)


@dataclass(frozen=True)
class HasIds:
    ids: tuple[str, ...]


Condition = Match | MatchAny | DateRange | HasIds


@dataclass(frozen=True)
class Conditions:
    must: tuple[Condition, ...] = ()
    must_not: tuple[Condition, ...] = ()


# In every reader's must_not: the points of a write not committed yet.
UNCOMMITTED: Condition = Match(pl.WRITE_STATE, pl.PENDING)


def search_conditions(
    flt: SearchFilter | None, heads_only: bool = False, committed_only: bool = True
) -> Conditions:
    """What a search (or a count) with this filter must match; ``heads_only`` keeps one point per
    question; ``committed_only=False`` only where no pending passage can exist
    (``semsearch.store.pending_gate``)."""
    flt = flt or SearchFilter()
    must: list[Condition] = []
    if heads_only:
        must.append(Match(pl.POSITION, 0))
    bounds = [
        (op, day.isoformat())
        for op, day in (("gte", flt.date_from), ("lte", flt.date_to), ("lt", flt.before))
        if day
    ]
    if bounds:
        must.append(DateRange(pl.DATE_ASKED, tuple(bounds)))
    for key, value in ((pl.ASSEMBLY, flt.assembly), (pl.SESSION, flt.session), (pl.LANGUAGE, flt.language)):
        if value:
            must.append(Match(key, value))
    for key, name in ((pl.AUTHOR_TOKENS, flt.author), (pl.ADDRESSEE_TOKENS, flt.addressee)):
        must.extend(Match(key, token) for token in name_tokens(name))
    if flt.answered is not None:
        must.append(Match(pl.STATE, pl.state(flt.answered)))
    if flt.only_questions is not None:
        must.append(MatchAny(pl.QUESTION_ID, tuple(flt.only_questions)))
    must_not = (Match(pl.QUESTION_ID, flt.exclude_question),) if flt.exclude_question else ()
    return Conditions(tuple(must), (*must_not, UNCOMMITTED) if committed_only else must_not)


def question_conditions(question_id: str) -> Conditions:
    """A question's passages (committed)."""
    return Conditions((Match(pl.QUESTION_ID, question_id),), (UNCOMMITTED,))


def heads_conditions(question_ids: Sequence[str] | None, flt: SearchFilter | None = None) -> Conditions:
    """One point per question (its first passage): of these questions, or of all when None; of
    those ``flt`` keeps."""
    chosen = search_conditions(flt, heads_only=True)
    if question_ids is None:
        return chosen
    return Conditions((*chosen.must, MatchAny(pl.QUESTION_ID, tuple(question_ids))), chosen.must_not)


def natural_key_conditions(key: str) -> Conditions:
    return Conditions((Match(pl.NATURAL_KEY, key), Match(pl.POSITION, 0)), (UNCOMMITTED,))


# -- the writer's conditions (semsearch.generations): they see every generation ---------------------
def every_point_of(question_ids: Sequence[str]) -> Conditions:
    """Every point of these questions: committed, pending, of any generation."""
    return Conditions((MatchAny(pl.QUESTION_ID, tuple(question_ids)),))


def generation_of(question_ids: Sequence[str], generation: int) -> Conditions:
    """The points of one generation of these questions."""
    return Conditions((MatchAny(pl.QUESTION_ID, tuple(question_ids)), Match(pl.GENERATION, generation)))


def other_generations(question_ids: Sequence[str], generation: int) -> Conditions:
    """The points of these questions that are not of ``generation`` (those written before
    generations included: they have no generation field)."""
    return Conditions((MatchAny(pl.QUESTION_ID, tuple(question_ids)),), (Match(pl.GENERATION, generation),))


def these_points(point_ids: Sequence[str]) -> Conditions:
    """These points, by id (``semsearch check --repair`` removes stray ones)."""
    return Conditions((HasIds(tuple(point_ids)),))


def uncommitted() -> Conditions:
    """The points of every write not committed (yet, or ever: its writer died)."""
    return Conditions((UNCOMMITTED,))


F = TypeVar("F")


@dataclass(frozen=True)
class Spelling(Generic[F]):
    """How one engine's classes say each kind of condition, and a filter of them."""

    match: Callable[[str, str | int], Any]
    match_any: Callable[[str, list[str]], Any]
    date_range: Callable[[str, dict[str, str]], Any]
    has_id: Callable[[list[str]], Any]
    filter: Callable[[list[Any] | None, list[Any] | None], F]


def build(conditions: Conditions, spelling: Spelling[F]) -> F:
    def one(c: Condition) -> Any:
        if isinstance(c, Match):
            return spelling.match(c.key, c.value)
        if isinstance(c, MatchAny):
            return spelling.match_any(c.key, list(c.values))
        if isinstance(c, HasIds):
            return spelling.has_id(list(c.ids))
        return spelling.date_range(c.key, dict(c.bounds))

    return spelling.filter(
        [one(c) for c in conditions.must] or None, [one(c) for c in conditions.must_not] or None
    )


def build_optional(conditions: Conditions, spelling: Spelling[F]) -> F | None:
    """Like :func:`build`, but no filter at all when nothing is asked (engines search faster without)."""
    return build(conditions, spelling) if conditions.must or conditions.must_not else None
