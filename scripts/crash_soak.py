"""Crash soak: SIGKILL ``semsearch index`` at random moments, re-run it, and check the index exactly.

    .venv/bin/python scripts/crash_soak.py [--questions 3000] [--kills 25] [--model fake] [--seed 7]

It generates a corpus of invented French written questions (JSON Lines files and Walloon text
pages), then, ``--kills`` times: changes some records (text, number of paragraphs, answer added or
withdrawn) and adds new ones, starts ``semsearch index`` as a subprocess, kills it with SIGKILL after
a random delay (sometimes its re-run too), runs it again to completion, and checks the whole index
against the corpus: every question once, each question's passages exactly those of its current
record (none stale, no duplicate), the model recorded. Each run is first replayed in-process on a
copy of the index to time its stages (reading, embedding+writing, optimising, closing); the kills
are aimed at each stage in turn (plus the CLI's start-up), and the summary counts them by the
stage the delay fell in (an estimate). The exit status is 1 if any check failed.

``tests/test_crash.py`` runs the same machinery on a smaller corpus inside ``make test``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEMSEARCH = ROOT / ".venv" / "bin" / "semsearch"
if str(ROOT) not in sys.path:  # run as a script: the project's packages come from the checkout
    sys.path.insert(0, str(ROOT))

# -- an invented French corpus ---------------------------------------------------------------------
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
        from semsearch.ids import derive_question_id

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


# -- checking the index --------------------------------------------------------------------------------
def expected_passages(record: Record) -> list[tuple[str, int, str]]:
    """(kind, paragraph, text) of each passage the record must have, in position order."""
    return (
        [("title", 0, record.title)]
        + [("question", n, p) for n, p in enumerate(record.question, start=1)]
        + [("answer", n, p) for n, p in enumerate(record.answer, start=1)]
    )


def check_index(index: Path, corpus: Corpus, model: str, sample: int = 25) -> list[str]:
    """Everything that differs between the index and the corpus (empty when exactly right).

    Every point of the index is read once: each question must be there once, with exactly the
    passages of its current record (positions 0..n-1, one content hash, the record's text), and
    no point may belong to anything else. ``sample`` questions are also read back through
    ``SearchService.get`` (what ``semsearch show`` prints).
    """
    from semsearch.errors import NotFoundError
    from semsearch.service import SearchService
    from semsearch.settings import Settings

    settings = Settings(index_path=index, model=model, qdrant_url=None, _env_file=None)  # type: ignore[call-arg]
    expected = {r.qid: r for r in corpus.records.values()}
    problems: list[str] = []
    with SearchService.open(settings) as service:
        stats = service.stats()
        if stats.questions != len(expected):
            problems.append(f"{stats.questions} questions indexed, {len(expected)} expected")
        if stats.passages != corpus.expected_passages:
            problems.append(f"{stats.passages} passages indexed, {corpus.expected_passages} expected")
        if stats.model != service.model_name or not stats.dimension:
            problems.append(
                f"model recorded as {stats.model!r} ({stats.dimension}), not {service.model_name!r}"
            )
        stored: dict[str, list[dict[str, Any]]] = {}
        for page in service.store.points():
            for point in page:
                stored.setdefault(str(point.payload.get("question_id")), []).append(point.payload)
        for qid in sorted(set(stored) - set(expected)):
            problems.append(f"{qid}: {len(stored[qid])} passages of a question that is in no file")
        for qid, record in expected.items():
            problems += _check_passages(qid, record, stored.get(qid, []))
        rng = random.Random(len(expected))
        for record in rng.sample(list(expected.values()), min(sample, len(expected))):
            try:
                question = service.get(record.qid)
            except NotFoundError:
                continue  # already reported as missing
            if (question.title, question.question, question.answer) != (
                record.title,
                record.question,
                record.answer,
            ):
                problems.append(f"{record.qid}: 'show' differs from version {record.version} of its record")
    return problems[:20] + ([f"… and {len(problems) - 20} more"] if len(problems) > 20 else [])


def _check_passages(qid: str, record: Record, payloads: list[dict[str, Any]]) -> list[str]:
    if not payloads:
        return [f"{qid}: missing"]
    ordered = sorted(payloads, key=lambda p: int(p["position"]))
    positions = [int(p["position"]) for p in ordered]
    if positions != list(range(len(positions))):
        return [f"{qid}: passages at positions {positions}"]
    hashes = {p.get("content_hash") for p in ordered}
    if len(hashes) != 1:
        return [f"{qid}: passages of {len(hashes)} versions (stale ones left)"]
    got = [(p["kind"], int(p["paragraph"]), p["text"]) for p in ordered]
    if got != expected_passages(record):
        return [f"{qid}: {len(got)} passages differ from version {record.version} of its record"]
    return []


# What each kind of problem says, and the one a known bug leaves (see ``known_stale_bug``).
_KINDS = (
    ("stale", "versions (stale ones left)"),
    ("show differs", "'show' differs"),
    ("text differs", "passages differ"),
    ("positions", "passages at positions"),
    ("missing", ": missing"),
    ("extra question", "in no file"),
    ("question count", "questions indexed"),
    ("passage count", "passages indexed"),
    ("model", "model recorded"),
)


def kind_of(problem: str) -> str:
    return next((kind for kind, marker in _KINDS if marker in problem), "other")


def known_stale_bug(problems: Sequence[str]) -> bool:
    """True when every problem is what the known crash window of ``SearchService._write`` leaves:
    a killed run had written a changed question's new passages but not yet deleted its old ones,
    and the re-run, seeing the new hash on the question's head, counts it unchanged. Remove this
    tolerance once that is fixed."""
    kinds = {kind_of(p) for p in problems if not p.startswith("…")}
    return "stale" in kinds and kinds <= {"stale", "show differs", "passage count"}


# -- running the CLI -----------------------------------------------------------------------------------
@dataclass
class Run:
    seconds: float
    returncode: int
    killed: bool
    stdout: str
    stderr: str


SOAK_BATCH_PASSAGES = 200


def cli_env(model: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEMSEARCH_")}
    # Small batches (tens of questions): a kill then lands between batches as well as inside one.
    env.update(SEMSEARCH_MODEL=model, SEMSEARCH_BATCH_SIZE=str(SOAK_BATCH_PASSAGES), PYTHONUNBUFFERED="1")
    return env


def run_index(
    index: Path,
    folder: Path,
    model: str,
    kill_after: float | None = None,
    sig: int = signal.SIGKILL,
    timeout: float = 600,
) -> Run:
    """``semsearch index`` as a subprocess; with ``kill_after``, sent ``sig`` after that many seconds."""
    command = [str(SEMSEARCH), "index", "--index", str(index), "--json", str(folder)]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=cli_env(model), cwd=folder.parent)
        killed = False
        if kill_after is not None:
            try:
                proc.wait(timeout=kill_after)
            except subprocess.TimeoutExpired:
                proc.send_signal(sig)
                killed = True
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        # The signal can arrive as the run exits on its own: then it finished, it was not killed.
        killed = killed and returncode == -sig
        return Run(seconds, returncode, killed, out.read().decode(), err.read().decode())


def startup_seconds(index: Path, folder: Path, model: str) -> float:
    """How long the CLI takes to start and stop with nothing to do (an empty folder)."""
    empty = folder.parent / "empty-input"
    empty.mkdir(exist_ok=True)
    return run_index(index, empty, model).seconds


@dataclass
class Timeline:
    """Where the time of an index run goes, measured in-process (seconds from the start)."""

    first_batch: float  # the first upsert starts (files listed, records counted and read)
    optimise: float  # optimize() starts
    end: float  # run_index returned
    closed: float  # the store flushed and closed

    def window(self, stage: str) -> tuple[float, float]:
        """When a stage ("reading", "embedding+writing", "optimising", "closing") starts and ends."""
        return {
            "reading": (0.0, self.first_batch),
            "embedding+writing": (self.first_batch, self.optimise),
            "optimising": (self.optimise, self.end),
            "closing": (self.end, self.closed),
        }[stage]

    def middle(self, stage: str) -> float:
        start, end = self.window(stage)
        return (start + end) / 2

    def stage(self, t: float) -> str:
        if t < self.first_batch:
            return "reading"
        if t < self.optimise:
            return "embedding+writing"
        if t < self.end:
            return "optimising"
        return "closing"


def replay(index: Path, folder: Path, model: str) -> Timeline:
    """Run the same index run in-process on a copy of the index, timing its stages."""
    from indexer.pipeline import collect_files, count_records
    from indexer.pipeline import run_index as pipeline_run
    from semsearch.service import SearchService
    from semsearch.settings import Settings

    with tempfile.TemporaryDirectory(dir=index.parent) as scratch:
        copy = Path(scratch) / "index"
        if index.exists():
            shutil.copytree(index, copy, ignore=shutil.ignore_patterns(".lock"))
        settings = Settings(index_path=copy, model=model, qdrant_url=None, _env_file=None)  # type: ignore[call-arg]
        started = time.perf_counter()
        marks: dict[str, float] = {}
        with SearchService.open(settings) as service:
            service.check_model()
            files, _ = collect_files([folder])
            count_records(files)
            upsert, optimize = service.upsert, service.optimize

            def timed_upsert(questions: Any) -> Any:
                marks.setdefault("first_batch", time.perf_counter() - started)
                return upsert(questions)

            def timed_optimize() -> None:
                marks["optimise"] = time.perf_counter() - started
                optimize()

            service.upsert = timed_upsert  # type: ignore[method-assign]
            service.optimize = timed_optimize  # type: ignore[method-assign]
            pipeline_run(service, [folder], files=files)
            marks["end"] = time.perf_counter() - started
        closed = time.perf_counter() - started
        first = marks.get("first_batch", marks["end"])
        return Timeline(first, marks.get("optimise", marks["end"]), marks["end"], closed)


# -- the soak ------------------------------------------------------------------------------------------
@dataclass
class Report:
    questions: int = 0
    passages: int = 0
    cycles: int = 0
    kills: int = 0
    stages: Counter[str] = field(default_factory=Counter)
    changed: int = 0
    added: int = 0
    killed_runs_seconds: list[float] = field(default_factory=list)
    reruns_seconds: list[float] = field(default_factory=list)
    checks: int = 0
    failures: list[str] = field(default_factory=list)
    first_failure: str = ""  # the cycle and the stage of its kills
    stale_questions: set[str] = field(default_factory=set)
    startup_seconds: float = 0.0
    total_seconds: float = 0.0


_AIMS = ("anywhere", "embedding+writing", "optimising", "start-up", "reading", "closing", "embedding+writing")


def soak(
    workdir: Path,
    questions: int,
    kills: int,
    model: str = "fake",
    seed: int = 7,
    change_share: float = 0.15,
    grow_share: float = 0.4,
    second_kill: float = 0.3,
    log: Any = print,
) -> Report:
    """The whole soak in ``workdir``; ``report.failures`` lists what went wrong (empty: all exact).

    Each cycle: change ``change_share`` of the records and add a few new ones; kill a run after a
    random delay, aimed at each stage in turn; with probability ``second_kill`` kill its re-run too,
    anywhere; run to completion; check the whole index. Cycles go on until ``kills`` runs were
    actually killed.
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    corpus = Corpus(workdir / "corpus", seed)
    index = workdir / "index"
    report = Report()
    # Most questions exist from the start; the rest (``grow_share``) arrive a few at each cycle.
    per_cycle = int(questions * grow_share / kills)
    corpus.add(max(1, questions - per_cycle * kills))
    corpus.write()
    report.startup_seconds = startup_seconds(workdir / "startup-index", corpus.folder, model)
    log(f"corpus: {len(corpus.records)} questions to start with; CLI start-up {report.startup_seconds:.2f} s")
    while report.kills < kills and report.cycles < 3 * kills:
        report.cycles += 1
        cycle = report.cycles
        if cycle > 1:
            report.changed += len(corpus.change(max(1, int(len(corpus.records) * change_share))))
        grow = min(per_cycle, questions - len(corpus.records))
        report.added += len(corpus.add(grow)) if grow > 0 else 0
        corpus.write()
        timeline = replay(index, corpus.folder, model)
        # The CLI's own start-up (imports) comes first; the replay has none of it.
        offset = report.startup_seconds * 0.7
        whole = offset + timeline.closed
        notes = []
        for attempt in range(2 if rng.random() < second_kill else 1):
            # The first kill of a cycle is aimed at each stage in turn (a fast stage would
            # otherwise rarely be hit); the other falls anywhere in the run.
            aim = _AIMS[(cycle - 1) % len(_AIMS)] if attempt == 0 else "anywhere"
            if aim == "anywhere":
                delay = rng.uniform(0.02, 0.98) * whole
            elif aim == "start-up":
                delay = rng.uniform(0.1, 0.9) * offset
            else:
                start, end = timeline.window(aim)
                delay = offset + start + rng.uniform(0.1, 0.9) * (end - start)
            stage = "start-up" if delay < offset else timeline.stage(delay - offset)
            run = run_index(index, corpus.folder, model, kill_after=delay)
            if run.killed:
                report.killed_runs_seconds.append(run.seconds)
                report.kills += 1
                label = stage if attempt == 0 else f"re-run, {stage}"
                report.stages[label] += 1
                notes.append(f"killed at {delay:5.2f} s of ~{whole:5.2f} s ({label})")
            else:
                notes.append(f"finished in {run.seconds:.2f} s before the kill at {delay:.2f} s")
        rerun = run_index(index, corpus.folder, model)
        report.reruns_seconds.append(rerun.seconds)
        problems = (
            [f"re-run exited {rerun.returncode}: {rerun.stderr.strip()[-300:]}"] if rerun.returncode else []
        )
        problems += check_index(index, corpus, model)
        report.checks += 1
        log(
            f"cycle {cycle:>2}: {'; '.join(notes)}; re-run {rerun.seconds:5.2f} s; "
            f"{len(corpus.records)} questions, {corpus.expected_passages} passages: "
            + ("exact" if not problems else "FAILED")
        )
        report.failures += [f"cycle {cycle}: {p}" for p in problems]
        if problems and not report.first_failure:
            report.first_failure = f"cycle {cycle} ({'; '.join(notes)})"
        report.stale_questions |= {p.split(":")[0] for p in problems if kind_of(p) == "stale"}
    if len(corpus.records) < questions:  # the kills came quicker than the growth: add the rest
        missing = questions - len(corpus.records)
        report.added += len(corpus.add(missing))
        corpus.write()
        final = run_index(index, corpus.folder, model)
        problems = [f"final run exited {final.returncode}"] if final.returncode else []
        problems += check_index(index, corpus, model)
        report.checks += 1
        log(f"final run with the last {missing} questions: {'exact' if not problems else 'FAILED'}")
        report.failures += [f"final: {p}" for p in problems]
    report.questions = len(corpus.records)
    report.passages = corpus.expected_passages
    report.total_seconds = time.perf_counter() - started
    return report


def _summary(report: Report) -> str:
    def spread(values: list[float]) -> str:
        if not values:
            return "-"
        ordered = sorted(values)
        return f"min {ordered[0]:.2f} s, median {ordered[len(ordered) // 2]:.2f} s, max {ordered[-1]:.2f} s"

    stages = ", ".join(f"{name} {count}" for name, count in sorted(report.stages.items()))
    lines = [
        f"questions: {report.questions} ({report.passages} passages) at the end; "
        f"{report.changed} record changes and {report.added} additions over the cycles",
        f"kills: {report.kills} in {report.cycles} cycles (stage, estimated from a timed replay: {stages})",
        f"killed runs: {spread(report.killed_runs_seconds)}",
        f"re-runs to completion: {spread(report.reruns_seconds)}",
        f"exact checks: {report.checks}, failed: {len({f.split(':')[0] for f in report.failures})}",
        f"total: {report.total_seconds:.1f} s",
    ]
    if not report.failures:
        lines.append("RESULT: OK, nothing lost, duplicated or stale")
        return "\n".join(lines)
    problems = [f.split(": ", 1)[1] for f in report.failures]
    kinds = Counter(kind_of(p) for p in problems)
    lines += [
        f"first failed check: {report.first_failure}",
        f"problems by kind, over all checks: {dict(kinds)}",
        f"questions left with stale passages: {len(report.stale_questions)} "
        f"({', '.join(sorted(report.stale_questions)[:10])})",
        "RESULT: FAILED"
        + (" (only the known stale-passage crash window)" if known_stale_bug(problems) else ""),
    ]
    seen: set[str] = set()
    for failure in report.failures:  # each problem once, at the first check that saw it
        problem = failure.split(": ", 1)[1]
        if problem not in seen and len(seen) < 30:
            seen.add(problem)
            lines.append(f"  {failure}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--questions", type=int, default=3000, help="questions at the end (default 3000)")
    parser.add_argument("--kills", type=int, default=25, help="kill cycles (default 25)")
    parser.add_argument("--model", default="fake", help="SEMSEARCH_MODEL for the runs (default fake)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, help="keep the corpus and index here (default: a temp dir)")
    args = parser.parse_args(argv)
    if not SEMSEARCH.exists():
        parser.error(f"{SEMSEARCH} not found: run 'make install' first")
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        report = soak(args.workdir, args.questions, args.kills, args.model, args.seed)
    else:
        with tempfile.TemporaryDirectory(prefix="crash-soak-") as tmp:
            report = soak(Path(tmp), args.questions, args.kills, args.model, args.seed)
    print(_summary(report))
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
