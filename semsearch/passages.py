"""Splitting a question into passages: its title, each question paragraph, each answer paragraph.

A paragraph longer than the model's maximum sequence length is split on sentence
boundaries (and, for a single endless sentence, on word boundaries): the model would
otherwise truncate it silently and its end would never be searchable.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from semsearch.models import Passage, PassageKind, Question

# A sentence ends with . ! ? or … followed by space and an upper-case letter, a digit or a quote.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«\"“(A-ZÀ-ÖØ-Þ0-9])")


def split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def _words(sentence: str) -> list[str]:
    # French puts a space before ! ? ; : and the closing guillemet: keep them on their word.
    words: list[str] = []
    for word in sentence.split():
        if words and not any(c.isalnum() for c in word):
            words[-1] = f"{words[-1]} {word}"
        else:
            words.append(word)
    return words


def _split_words(sentence: str, fits: Callable[[str], bool]) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    for word in _words(sentence):
        if current and not fits(" ".join([*current, word])):
            chunks.append(" ".join(current))
            current = []
        current.append(word)
    if current:
        chunks.append(" ".join(current))
    return chunks


def split_long(text: str, count_tokens: Callable[[str], int], max_tokens: int) -> list[str]:
    """Cut ``text`` into chunks of at most ``max_tokens`` tokens, on sentence boundaries."""

    def fits(candidate: str) -> bool:
        return count_tokens(candidate) <= max_tokens

    if fits(text):
        return [text]
    chunks: list[str] = []
    current = ""
    for sentence in split_sentences(text):
        pieces = [sentence] if fits(sentence) else _split_words(sentence, fits)
        for piece in pieces:
            candidate = f"{current} {piece}" if current else piece
            if current and not fits(candidate):
                chunks.append(current)
                candidate = piece
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def build_passages(question: Question, count_tokens: Callable[[str], int], max_tokens: int) -> list[Passage]:
    passages: list[Passage] = []

    def add(kind: PassageKind, paragraph: int, text: str) -> None:
        for chunk, piece in enumerate(split_long(text, count_tokens, max_tokens)):
            passages.append(
                Passage(kind=kind, paragraph=paragraph, chunk=chunk, position=len(passages), text=piece)
            )

    add(PassageKind.title, 0, question.title)
    for number, paragraph in enumerate(question.question, start=1):
        add(PassageKind.question, number, paragraph)
    for number, paragraph in enumerate(question.answer, start=1):
        add(PassageKind.answer, number, paragraph)
    return passages
