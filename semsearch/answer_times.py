"""Answer times per addressee (or per portfolio): asked, answered, the median days to an answer,
and the share of questions still unanswered 30 and 60 days after they were asked.

Read from the questions' metadata alone (one point per question, filtered by the engine). A
question answered on an unknown date (some exports give the answer but not its date) counts as
answered, but it says nothing about delays: it is left out of the median and of the shares.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from semsearch.errors import InputError
from semsearch.models import QuestionSummary

Grouping = Literal["addressee", "portfolio"]
GROUPINGS: tuple[Grouping, ...] = ("addressee", "portfolio")
LATE_DAYS = (30, 60)


def check_grouping(value: str, name: str = "by") -> Grouping:
    for known in GROUPINGS:
        if value == known:
            return known
    raise InputError(f"{name} '{value}': choose among {', '.join(GROUPINGS)}")


class AnswerTimes(BaseModel):
    """One addressee's (or portfolio's) questions and how fast they were answered."""

    addressee: str = Field(description="The minister (by addressee) or the portfolio (by portfolio).")
    also: list[str] = Field(
        default_factory=list,
        description="By addressee, the portfolios the minister was asked under; by portfolio, the ministers.",
    )
    asked: int
    answered: int
    dated_answers: int = Field(description="Answers whose date is known: the median is taken over them.")
    median_days: float | None = Field(
        description="Median days from question to answer (null: no dated answer)."
    )
    unanswered_after_30: float | None = Field(
        description="Share of the questions asked 30 days or more ago with no answer 30 days after "
        "(null: none to count)."
    )
    unanswered_after_60: float | None = Field(description="The same at 60 days.")


def _key(q: QuestionSummary, by: Grouping) -> tuple[str | None, str | None]:
    """(the row, what is listed beside it)."""
    if by == "portfolio":
        return (q.addressee_role or q.addressee), (q.addressee if q.addressee_role else None)
    return q.addressee, q.addressee_role


def _delay(q: QuestionSummary) -> int | None:
    if q.date_asked is None or q.date_answered is None or not q.answered:
        return None
    days = (q.date_answered - q.date_asked).days
    return days if days >= 0 else None  # answered before it was asked: a date is wrong


def _late_share(questions: list[QuestionSummary], days: int, as_of: date) -> float | None:
    """Of the questions asked ``days`` or more before ``as_of`` whose answer date (or absence of
    answer) is known, the share not answered within ``days``."""
    late = counted = 0
    for q in questions:
        if q.date_asked is None or (as_of - q.date_asked).days < days:
            continue
        delay = _delay(q)
        if q.answered and delay is None:
            continue  # answered on an unknown date
        counted += 1
        late += delay is None or delay > days
    return late / counted if counted else None


def _row(name: str, beside: list[str], questions: list[QuestionSummary], as_of: date) -> AnswerTimes:
    delays = [d for d in map(_delay, questions) if d is not None]
    return AnswerTimes(
        addressee=name,
        also=beside,
        asked=len(questions),
        answered=sum(q.answered for q in questions),
        dated_answers=len(delays),
        median_days=float(statistics.median(delays)) if delays else None,
        unanswered_after_30=_late_share(questions, LATE_DAYS[0], as_of),
        unanswered_after_60=_late_share(questions, LATE_DAYS[1], as_of),
    )


def answer_times(questions: Iterable[QuestionSummary], by: Grouping, as_of: date) -> list[AnswerTimes]:
    """One row per addressee (or portfolio), the most asked first; questions without one are left out."""
    groups: dict[str, tuple[list[QuestionSummary], dict[str, None]]] = {}
    for q in questions:
        name, beside = _key(q, by)
        if name:
            rows, seen = groups.setdefault(name, ([], {}))
            rows.append(q)
            if beside:
                seen[beside] = None
    found = [_row(name, list(seen), rows, as_of) for name, (rows, seen) in groups.items()]
    return sorted(found, key=lambda r: (-r.asked, r.addressee))
