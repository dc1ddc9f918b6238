"""Which minister should a question go to: the addressees of the closest questions asked before.

Competences are split between ministers and move with each government, so a draft is often sent
to the wrong one. The closest indexed questions (a search for the text, or ``related`` for an
indexed question) vote for the minister they were addressed to, each with the weight of its rank;
a candidate's share is its part of the votes, and its precedents are the questions behind it.

Votes go to the **portfolio** where the data has one (the addressee's function: 'Ministre de
l'Emploi…', a UK department), since names change with governments while a portfolio's questions
keep going to whoever holds it; else to the addressee's name. Portfolios are compared folded
(case, accents, punctuation), and shown as last written.

Built on the service's public results (their order and addressees), not on the ranking's scores,
which are not comparable from one query to the next. ``eval/route_eval.py`` measures it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from pydantic import BaseModel, Field

from semsearch.errors import InputError
from semsearch.ids import slugify
from semsearch.models import QuestionSummary, SearchHit

EVIDENCE = 20  # closest questions that vote
RANK_OFFSET = 1  # a vote weighs 1 / (rank + RANK_OFFSET): the closest count most (measured, eval/)
MAX_PRECEDENTS = 5  # precedents shown per candidate
MAX_CANDIDATES = 10


class Precedent(BaseModel):
    """A question behind a candidate: what it was, whom it was asked, how close it is."""

    id: str
    title: str
    date_asked: date | None = None
    addressee: str | None = None
    addressee_role: str | None = None
    similarity: float | None = None
    closeness: str | None = None


class Candidate(BaseModel):
    addressee: str = Field(
        description="Whom to address: the portfolio where known, else the minister's name."
    )
    portfolio: str | None = Field(
        default=None, description="The portfolio (the minister's function), if known."
    )
    names: list[str] = Field(
        default_factory=list, description="The ministers who were asked, among the precedents, latest first."
    )
    share: float = Field(description="Its part of the evidence (0 to 1); the shares add up to 1.")
    questions: int = Field(description="How many of the precedents went to it.")
    precedents: list[Precedent] = Field(description="The closest of those precedents, closest first.")


class Routing(BaseModel):
    candidates: list[Candidate] = Field(description="The likely addressees, most likely first.")
    evidence: int = Field(description="The precedents that voted (the closest questions with an addressee).")


def fold(addressee: str) -> str:
    """An addressee as compared: 'Ministre de l'Économie' and 'ministre de l economie' are one."""
    return slugify(addressee)


def key_of(q: QuestionSummary) -> str | None:
    """What a question votes for: its portfolio where known, else its addressee's name; folded."""
    shown = display_of(q)
    return (fold(shown) or None) if shown else None


def display_of(q: QuestionSummary) -> str | None:
    return q.addressee_role or q.addressee


Weigh = Callable[[Sequence[SearchHit]], list[float]]  # the voters, closest first -> their votes


def by_rank(voters: Sequence[SearchHit]) -> list[float]:
    """The product's votes: 1 / (rank + 1), so the closest precedents count most."""
    return [1.0 / (rank + RANK_OFFSET) for rank in range(len(voters))]


def route(
    hits: Sequence[SearchHit], limit: int = 3, evidence: int = EVIDENCE, weigh: Weigh = by_rank
) -> Routing:
    """The likely addressees from ``hits`` (closest first): the first ``evidence`` ones with an
    addressee vote; the ``limit`` best candidates are kept, their shares taken of all the votes.
    ``weigh`` is for evaluations, which compare ways of voting."""
    if not 1 <= limit <= MAX_CANDIDATES:
        raise InputError(f"limit must be between 1 and {MAX_CANDIDATES}, not {limit}")
    voters = [h for h in hits if key_of(h)][:evidence]
    groups: dict[str, list[tuple[float, SearchHit]]] = {}
    for weight, hit in zip(weigh(voters), voters, strict=True):
        groups.setdefault(str(key_of(hit)), []).append((weight, hit))
    total = sum(w for votes in groups.values() for w, _ in votes) or 1.0
    candidates = [_candidate(votes, total) for votes in groups.values()]
    candidates.sort(key=lambda c: (-c.share, c.addressee))
    return Routing(candidates=candidates[:limit], evidence=len(voters))


def _candidate(votes: list[tuple[float, SearchHit]], total: float) -> Candidate:
    hits = [hit for _, hit in votes]
    latest = sorted(hits, key=lambda h: (h.date_asked or date.min, h.id), reverse=True)
    names = list(dict.fromkeys(h.addressee for h in latest if h.addressee))
    return Candidate(
        addressee=str(display_of(latest[0])),
        portfolio=latest[0].addressee_role,
        names=names,
        share=sum(w for w, _ in votes) / total,
        questions=len(hits),
        precedents=[Precedent(**h.model_dump(include=set(Precedent.model_fields))) for h in hits][
            :MAX_PRECEDENTS
        ],
    )
