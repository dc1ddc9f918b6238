"""Keeping the results of at least a chosen precedent label, and the newest of them (feeds).

The labels order precedents: 'same question' (it was already asked), then 'closely related',
then 'same topic'. A label is known only once a page of results is ranked and labelled, so it
cannot be a filter of the engine: the ranked list is read a chunk at a time, to a fixed depth,
and the results with the label kept. The closest precedents rank near the top, so the depth
bounds the work without losing them.
"""

from __future__ import annotations

from collections.abc import Callable

from semsearch.errors import InputError
from semsearch.models import SearchHit
from semsearch.results import Page

# Closest first. The names are the labels' own (semsearch.labels gives them to results).
LABELS = ("same question", "closely related", "same topic")
# How a label is written in a URL or an option: 'same-question'.
SLUGS = {label.replace(" ", "-"): label for label in LABELS}
CHUNK = 50
DEPTH = 200  # results read at most for a label filter; documented in the README

Fetch = Callable[[int, int], list[SearchHit]]  # (limit, offset) -> hits, labelled


def check_closeness(value: str | None, name: str = "closeness") -> str | None:
    """The label a user asked for, from its slug ('closely-related') or its name."""
    if value is None or not value.strip():
        return None
    wanted = value.strip().lower()
    label = SLUGS.get(wanted) or (wanted if wanted in LABELS else None)
    if label is None:
        raise InputError(f"{name} '{value}': choose among {', '.join(SLUGS)}")
    return label


def at_least(label: str | None, wanted: str) -> bool:
    """Whether a result's label is ``wanted`` or a closer one."""
    return label in LABELS and LABELS.index(label) <= LABELS.index(wanted)


def labelled(fetch: Fetch, wanted: str, enough: int) -> list[SearchHit]:
    """The results labelled ``wanted`` or closer, best first, until ``enough`` of them or the depth."""
    kept: list[SearchHit] = []
    read = 0
    while len(kept) < enough and read < DEPTH:
        chunk = fetch(CHUNK, read)
        kept.extend(h for h in chunk if at_least(h.closeness, wanted))
        read += len(chunk)
        if len(chunk) < CHUNK:
            break
    return kept


def labelled_page(fetch: Fetch, limit: int, offset: int, wanted: str) -> Page:
    """A page of the results labelled ``wanted`` or closer; offsets count those results only."""
    kept = labelled(fetch, wanted, offset + limit + 1)
    more = len(kept) > offset + limit
    return Page(kept[offset : offset + limit], offset + limit if more else None)


def newest(fetch: Fetch, wanted: str, limit: int) -> list[SearchHit]:
    """The ``limit`` most recently asked results labelled ``wanted`` or closer (a feed's entries):
    newest first, and by id among questions of one day, so that a feed's order is stable."""
    kept = labelled(fetch, wanted, DEPTH)
    kept.sort(key=lambda h: h.id)
    kept.sort(key=lambda h: h.date_asked.toordinal() if h.date_asked else 0, reverse=True)
    return kept[:limit]
