"""A written question of the Parliament of Wallonia as its web page reads once copied as text.

The page is a sequence of lines: a title; ``Session :``, ``Année :``, ``N° :``;
``Question écrite du DD/MM/YYYY``; ``de AUTHOR``; ``à NAME, role``; question paragraphs;
``Réponse du DD/MM/YYYY``; ``de RESPONDENT``; answer paragraphs. The HTML reader turns its page
into the same lines, so both share :func:`parse_walloon_lines`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from indexer.readers.dates import parse_date
from indexer.readers.questions import build_question, split_addressee
from indexer.readers.text import normalize_space, shorten
from semsearch.errors import InputError
from semsearch.models import Question

ASSEMBLY = "Parlement Wallon"  # the string of the Walloon export, so identities match

_BULLETS = "•◦▪▫‣●○■□·"
_SESSION = re.compile(r"^session\s*:\s*(.*)$", re.IGNORECASE)
_YEAR = re.compile(r"^ann[ée]e\s*:\s*(.*)$", re.IGNORECASE)
_NUMBER = re.compile(r"^(?:n\s*[°º]|no\.?|num[ée]ro)\s*:\s*(.*)$", re.IGNORECASE)
_QUESTION = re.compile(r"^question\s+[ée]crite\s+du\s*:?\s*(.*)$", re.IGNORECASE)
_ANSWER = re.compile(r"^r[ée]ponse(?:\s+du)?\s*:?\s*(.*)$", re.IGNORECASE)
_ANY_ANSWER = re.compile(r"^r[ée]ponse\s+du\b", re.IGNORECASE)
_LEADING_DATE = re.compile(r"^(\d{1,2}[/.-]\d{1,2}[/.-]\d{4})\b")
# Lowercase only: a paragraph may well start with "De plus, …" or "À cet égard, …".
_AUTHOR = re.compile(r"^de\s*:?\s+(\S.*)$")
_ADDRESSEE = re.compile(r"^à\s*:?\s+(\S.*)$")
_RESULT_COUNT = re.compile(r"^\d+\s+[ée]l[ée]ments?(?:\(s\))?\s+trouv[ée]s?(?:\(s\))?\s*\.?$", re.IGNORECASE)
_MAX_NAME = 300


@dataclass
class _Page:
    title: str | None = None
    session: str | None = None
    number: str | None = None
    date_asked: date | None = None
    author: str | None = None
    addressee: str | None = None
    question: list[str] = field(default_factory=list)
    date_answered: date | None = None
    answered_by: str | None = None
    answer: list[str] = field(default_factory=list)


def clean_line(line: str) -> str:
    """A line without its bullets and extra whitespace; dashes stay, they start list items."""
    return normalize_space(line).lstrip(_BULLETS + " ")


def _is_noise(line: str) -> bool:
    # "/" at the top of a copy, "2 élément(s) trouvé(s)." from the site's result list.
    return not any(ch.isalnum() for ch in line) or bool(_RESULT_COUNT.match(line))


def _is_field(line: str) -> bool:
    return any(p.match(line) for p in (_SESSION, _YEAR, _NUMBER, _QUESTION))


def _answer_date(line: str) -> tuple[bool, str]:
    """Whether the line heads the answer, and its date text. "Réponse du Ministre …" is prose."""
    match = _ANSWER.match(line)
    if not match:
        return False, ""
    rest = match.group(1)
    dated = _LEADING_DATE.match(rest)
    if dated:  # "Réponse du 10/03/2022 de M. DUPONT…": a heading, however long
        return True, dated.group(1)
    return (not rest or (rest[0].isdigit() and len(rest) <= 30)), rest


def _date(text: str, what: str, source: str) -> date | None:
    if not text:
        return None
    try:
        return parse_date(text)
    except InputError as exc:
        raise InputError(f"{source}: {what}: {exc.message}") from None


def _read_header(lines: list[str], page: _Page) -> None:
    # The title is the last free line before the fields: anything above it is navigation.
    first_field = next((i for i, line in enumerate(lines) if _is_field(line)), len(lines))
    candidates = [line for line in lines[:first_field] if not _is_field(line)]
    page.title = candidates[-1] if candidates else None
    for line in lines:
        if (m := _SESSION.match(line)) and not page.session:
            page.session = m.group(1) or None
        elif (m := _NUMBER.match(line)) and not page.number:
            page.number = m.group(1) or None


def _read_people(lines: list[str], start: int, page: _Page, *, answer: bool) -> int:
    """Consume the "de …" / "à …" lines that follow a date line; return the next index."""
    index = start
    author: str | None = None
    addressee: str | None = None
    while index < len(lines):
        line = lines[index]
        author_match = _AUTHOR.match(line)
        addressee_match = _ADDRESSEE.match(line)
        if author_match and author is None and len(author_match.group(1)) <= _MAX_NAME:
            author = author_match.group(1)
        elif addressee_match and addressee is None and not answer:
            addressee = addressee_match.group(1)
        else:
            break
        index += 1
    if answer:
        page.answered_by = page.answered_by or author
    else:
        page.author, page.addressee = author, addressee
    return index


def parse_walloon_lines(
    raw_lines: Iterable[str], source: str, *, source_ref: str | None = None, url: str | None = None
) -> Question:
    """A Question from the lines (or HTML blocks) of a Walloon question page."""
    lines = [line for line in map(clean_line, raw_lines) if line and not _is_noise(line)]
    start = next((i for i, line in enumerate(lines) if _QUESTION.match(line)), None)
    if start is None:
        raise InputError(f"{source}: not a Walloon written question page (no 'Question écrite du' line)")
    page = _Page()
    _read_header(lines[:start], page)
    if not page.title:
        raise InputError(f"{source}: no title before 'Question écrite du'")
    question_line = _QUESTION.match(lines[start])
    page.date_asked = _date(question_line.group(1) if question_line else "", "question date", source)

    index = _read_people(lines, start + 1, page, answer=False)
    in_answer = False
    while index < len(lines):
        line = lines[index]
        heads_answer, answer_date = _answer_date(line)
        if heads_answer:
            # A later "Réponse du" (a complementary answer) continues the same answer.
            if not in_answer:
                page.date_answered = _date(answer_date, "answer date", source)
            in_answer = True
            index = _read_people(lines, index + 1, page, answer=True)
            continue
        (page.answer if in_answer else page.question).append(line)
        index += 1
    if not page.question:
        raise InputError(f"{source}: the question has no text after 'Question écrite du'")
    if not page.answer:
        _no_answer_read(lines, in_answer, source)
    return _to_question(page, source, source_ref=source_ref, url=url)


def _no_answer_read(lines: list[str], in_answer: bool, source: str) -> None:
    """A page with a 'Réponse du' line is answered: when no answer was read from it, say so
    rather than index it as unanswered (its answer folded into the question)."""
    if in_answer:
        raise InputError(f"{source}: the answer has no text after 'Réponse du'")
    heading = next((line for line in lines if _ANY_ANSWER.match(line)), None)
    if heading is not None:
        raise InputError(
            f"{source}: the line {shorten(heading)} looks like the answer's heading, but is not "
            "'Réponse du DD/MM/YYYY': the answer cannot be told from the question"
        )


def _to_question(page: _Page, source: str, *, source_ref: str | None, url: str | None) -> Question:
    addressee, role = split_addressee(page.addressee)
    data = {
        "assembly": ASSEMBLY,
        "session": page.session,
        "number": page.number,
        "title": page.title,
        "date_asked": page.date_asked,
        "author": page.author,
        "addressee": addressee,
        "addressee_role": role,
        "question": page.question,
        "date_answered": page.date_answered,
        "answered_by": page.answered_by,
        "answer": page.answer,
        "language": "fr",
        "url": url,
        "source_ref": source_ref,
    }
    try:
        return build_question(data)
    except InputError as exc:
        raise InputError(f"{source}: {exc.message}") from None


def parse_walloon_text(text: str, source: str) -> Question:
    """A Question from the text of a Walloon question page; InputError naming ``source`` if not one."""
    return parse_walloon_lines(text.splitlines(), source)
