"""The crash tests' corpus: invented French written questions, as JSON Lines files and Walloon text
pages, whose records change between runs (text, number of paragraphs, an answer added or withdrawn).

Shared by ``tests/test_crash.py`` and ``scripts/crash_soak.py``; ``crash_check`` compares an index
with it, ``crash_runs`` runs ``semsearch index`` on it.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from semsearch.ids import derive_question_id

_SUBJECTS = [
    "les primes à la rénovation",
    "le réseau des pistes cyclables",
    "les parcs éoliens en Ardenne",
    "la qualité de l'air près des écoles",
    "les refuges pour animaux abandonnés",
    "le relogement des sinistrés des inondations",
    "la pénurie d'enseignants en mathématiques",
    "les cantines scolaires et les repas bio",
    "le raccordement des panneaux photovoltaïques",
    "les titres-services dans les communes rurales",
    "la fermeture des bureaux de poste",
    "les zones d'activité économique désaffectées",
    "le contrôle technique des tracteurs agricoles",
    "les aides au numérique pour les petites entreprises",
    "la gestion des déchets de construction",
    "les maisons de repos et leur reste à charge",
    "le transport scolaire des enfants handicapés",
    "les captages d'eau potable en Hesbaye",
    "la restauration des cours d'eau non navigables",
    "les logements publics inoccupés",
]
_PLACES = ["Namur", "Liège", "Charleroi", "Mons", "Arlon", "Tournai", "Wavre", "Verviers", "Dinant", "Ath"]
_OPENINGS = [
    "Monsieur le Ministre, je souhaite vous interroger sur {s}.",
    "Madame la Ministre, plusieurs citoyens de {p} m'ont interpellé au sujet de {s}.",
    "La presse de ce matin évoque {s} dans la région de {p}.",
    "Lors de ma visite à {p}, les acteurs de terrain m'ont fait part de leurs inquiétudes sur {s}.",
]
_MIDDLES = [
    "Les délais annoncés ne sont manifestement pas respectés et les ménages attendent depuis {n} mois.",
    "Selon les chiffres qui me sont parvenus, {n} dossiers seraient toujours en souffrance.",
    "Les communes concernées disent ne disposer d'aucune information précise à ce sujet.",
    "Un rapport de l'administration daté de {y} recommandait pourtant une simplification des démarches.",
    "Le budget prévu pour {y} semble insuffisant au regard des besoins exprimés.",
    "Des associations de {p} plaident pour une concertation plus large avec les riverains.",
]
_QUESTIONS = [
    "Quelles mesures comptez-vous prendre pour remédier à cette situation ?",
    "Pouvez-vous me communiquer le calendrier précis des prochaines étapes ?",
    "Une évaluation du dispositif est-elle prévue avant la fin de la législature ?",
    "Combien de demandes ont été introduites en {y} et combien ont abouti ?",
    "Envisagez-vous une concertation avec les pouvoirs locaux de {p} ?",
]
_ANSWERS = [
    "Je remercie l'honorable membre pour sa question relative à {s}.",
    "Mon administration a traité {n} dossiers au cours de l'année {y}.",
    "Une concertation avec les communes de {p} est prévue dans les prochaines semaines.",
    "Le Gouvernement a dégagé un budget complémentaire pour l'exercice {y}.",
    "Une évaluation complète du dispositif sera présentée au Parlement avant l'été.",
    "Les délais de traitement ont été ramenés à {n} semaines en moyenne.",
]
_AUTHORS = ["LAMBERT Sophie", "PETIT Jean", "MARTIN Claire", "GODFROID Mélanie", "DUBOIS Pierre"]
_MINISTERS = [
    ("DUPONT Marc", "Ministre du Logement"),
    ("HOUBION Valérie", "Ministre de la Santé"),
    ("RENARD Luc", "Ministre de l'Énergie"),
    ("COLLIN Anne", "Ministre de la Mobilité"),
]
SESSION = "2023-2024"


@dataclass
class Record:
    """One question as its source file says it, and where it lives."""

    key: int
    file: str  # relative path in the corpus folder
    title: str
    question: list[str]
    answer: list[str]
    author: str
    minister: tuple[str, str]
    asked: tuple[int, int]  # (month, day) in 2024
    version: int = 0

    @property
    def page(self) -> bool:
        return self.file.endswith(".txt")

    @property
    def number(self) -> str:
        return f"{self.key} ({SESSION}) 1"

    @property
    def qid(self) -> str:
        if not self.page:
            return f"soak-{self.key}"
        return derive_question_id("Parlement Wallon", SESSION, self.number, self.minister[0])

    @property
    def passages(self) -> int:
        # Every paragraph is far below the models' maximum sequence length: one passage each.
        return 1 + len(self.question) + len(self.answer)


def _fill(template: str, rng: random.Random, subject: str) -> str:
    return template.format(s=subject, p=rng.choice(_PLACES), n=rng.randint(2, 900), y=rng.randint(2015, 2024))


def _paragraph(rng: random.Random, subject: str, pool: Sequence[str], tail: Sequence[str] = ()) -> str:
    sentences = [_fill(rng.choice(pool), rng, subject) for _ in range(rng.randint(1, 2))]
    if tail:
        sentences.append(_fill(rng.choice(tail), rng, subject))
    return " ".join(sentences)


def _text(rng: random.Random, record: Record) -> None:
    """(Re)write a record's text: 1 to 4 question paragraphs, 0 to 3 answer paragraphs."""
    subject = _SUBJECTS[record.key % len(_SUBJECTS)]
    record.question = [_fill(rng.choice(_OPENINGS), rng, subject)]
    record.question += [_paragraph(rng, subject, _MIDDLES) for _ in range(rng.randint(0, 2))]
    record.question.append(_paragraph(rng, subject, _MIDDLES, _QUESTIONS))
    answers = rng.choice([0, 1, 1, 2, 3])
    record.answer = [_paragraph(rng, subject, _ANSWERS) for _ in range(answers)]


class Corpus:
    """Records spread over JSON Lines files and text pages in ``folder``, rewritten on change."""

    def __init__(self, folder: Path, seed: int, jsonl_files: int = 4, page_share: float = 0.15) -> None:
        self.folder = folder
        self.rng = random.Random(seed)
        self.jsonl_files = jsonl_files
        self.page_share = page_share
        self.records: dict[int, Record] = {}
        self._dirty: set[str] = set()
        # Texts of version 0 and 1 of every record, for a soak that switches between two versions.
        self._versions: dict[int, tuple[tuple[list[str], list[str]], tuple[list[str], list[str]]]] = {}

    def add(self, count: int) -> list[Record]:
        added = []
        for _ in range(count):
            key = len(self.records) + 1
            if self.rng.random() < self.page_share:
                file = f"pages/{key // 100:03d}/question-{key}.txt"
            else:
                file = f"export-{self.rng.randrange(self.jsonl_files)}.jsonl"
            subject = _SUBJECTS[key % len(_SUBJECTS)]
            record = Record(
                key=key,
                file=file,
                title=f"{subject[0].upper()}{subject[1:]} : question n° {key}",
                question=[],
                answer=[],
                author=self.rng.choice(_AUTHORS),
                minister=self.rng.choice(_MINISTERS),
                asked=(self.rng.randint(1, 12), self.rng.randint(1, 28)),
            )
            _text(self.rng, record)
            self.records[key] = record
            self._dirty.add(file)
            added.append(record)
        return added

    def change(self, count: int) -> list[Record]:
        """Rewrite ``count`` records: new text, often a different number of paragraphs."""
        changed = self.rng.sample(sorted(self.records.values(), key=lambda r: r.key), count)
        for record in changed:
            record.version += 1
            _text(self.rng, record)
            self._dirty.add(record.file)
        return changed

    def make_versions(self) -> None:
        """Give every record a second version beside its current one: other texts, often another
        number of paragraphs, an answer added or withdrawn (same ids)."""
        for record in sorted(self.records.values(), key=lambda r: r.key):
            first = (record.question, record.answer)
            _text(self.rng, record)
            self._versions[record.key] = (first, (record.question, record.answer))
            record.question, record.answer = first

    def show(self, version: int) -> None:
        """Make every record version 0 or 1 (:meth:`make_versions`); :meth:`write` writes it."""
        for record in self.records.values():
            record.question, record.answer = self._versions[record.key][version]
            record.version = version
            self._dirty.add(record.file)

    def write(self) -> None:
        """Write the files that changed since the last write (atomically: rename over the old one)."""
        by_file: dict[str, list[Record]] = {}
        for record in self.records.values():
            if record.file in self._dirty:
                by_file.setdefault(record.file, []).append(record)
        for name, records in by_file.items():
            path = self.folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if name.endswith(".jsonl"):
                content = "".join(json.dumps(_canonical(r), ensure_ascii=False) + "\n" for r in records)
            else:
                (record,) = records
                content = _page(record)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(content, encoding="utf-8")
            os.replace(tmp, path)
        self._dirty.clear()

    @property
    def expected_passages(self) -> int:
        return sum(r.passages for r in self.records.values())


def _canonical(r: Record) -> dict[str, Any]:
    month, day = r.asked
    data: dict[str, Any] = {
        "id": r.qid,
        "assembly": "Parlement Wallon",
        "session": SESSION,
        "number": f"J{r.key} ({SESSION}) 1",  # not a page's number: no natural-key merge
        "title": r.title,
        "date_asked": f"2024-{month:02d}-{day:02d}",
        "author": r.author,
        "addressee": r.minister[0],
        "addressee_role": r.minister[1],
        "question": r.question,
        "language": "fr",
    }
    if r.answer:
        data.update(answer=r.answer, answered_by=r.minister[0], date_answered="2024-12-20")
    return data


def _page(r: Record) -> str:
    month, day = r.asked
    lines = [
        "/",
        "",
        r.title,
        "",
        f"  • Session : {SESSION}",
        "  • Année : 2024",
        f"  • N° : {r.number}",
        "",
        f"  • Question écrite du {day:02d}/{month:02d}/2024",
        f"    • de {r.author}",
        f"    • à {r.minister[0]}, {r.minister[1]}",
    ]
    lines += [f"    {p}\n" for p in r.question]
    if r.answer:
        lines += ["  • Réponse du 20/12/2024", f"    • de {r.minister[0]}"]
        lines += [f"    {p}\n" for p in r.answer]
    return "\n".join(lines) + "\n"
