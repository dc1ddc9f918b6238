from __future__ import annotations

import pytest

from semsearch.embedding.fake import FakeEmbedder
from semsearch.models import PassageKind, Question
from semsearch.passages import build_passages, split_long, split_sentences

EMB = FakeEmbedder(max_tokens=20)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Une phrase. Une autre phrase.", ["Une phrase.", "Une autre phrase."]),
        ("Vraiment ? Oui ! Bien… Et 2023 fut calme.", ["Vraiment ?", "Oui !", "Bien…", "Et 2023 fut calme."]),
        ("Le 1.5 million d'euros. « Citation » suit.", ["Le 1.5 million d'euros.", "« Citation » suit."]),
        ("sans point final", ["sans point final"]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_short_text_is_one_chunk() -> None:
    assert split_long("Trois mots ici.", EMB.count_tokens, 20) == ["Trois mots ici."]


def test_long_paragraph_is_split_on_sentences_without_losing_a_word() -> None:
    sentences = [f"Phrase numéro {i} avec quelques mots de plus pour la longueur." for i in range(12)]
    text = " ".join(sentences)
    chunks = split_long(text, EMB.count_tokens, 20)
    assert len(chunks) > 1
    assert all(EMB.count_tokens(c) <= 20 for c in chunks)
    assert " ".join(chunks).split() == text.split()
    assert all(c.endswith(".") for c in chunks)  # cut at sentence ends


def test_endless_sentence_is_split_on_words_and_keeps_french_punctuation() -> None:
    text = " ".join(f"mot{i}" for i in range(50)) + " ?"
    chunks = split_long(text, EMB.count_tokens, 20)
    assert all(EMB.count_tokens(c) <= 20 for c in chunks)
    assert " ".join(chunks).split() == text.split()
    assert chunks[-1].endswith("mot49 ?")


def test_build_passages_numbers_kinds_and_positions() -> None:
    q = Question(id="q", assembly="A", title="Le titre", question=["Un.", "Deux."], answer=["Réponse."])
    passages = build_passages(q, EMB.count_tokens, EMB.max_tokens)
    assert [(p.kind, p.paragraph, p.position) for p in passages] == [
        (PassageKind.title, 0, 0),
        (PassageKind.question, 1, 1),
        (PassageKind.question, 2, 2),
        (PassageKind.answer, 1, 3),
    ]
