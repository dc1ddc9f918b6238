"""The indexing pipeline: paths -> files -> questions (readers) -> batches -> the search service."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from indexer.readers import SUPPORTED_SUFFIXES, ReadNotice, read_file
from semsearch.errors import InputError
from semsearch.models import Question
from semsearch.service import SearchService
from semsearch.writing import UpsertResult


def _passage_estimate(q: Question) -> int:
    """Passages a question will make, before long paragraphs are split: enough to size batches."""
    return 1 + len(q.question) + len(q.answer)


Progress = Callable[[int], None]  # called with the number of records just processed


@dataclass
class IndexSummary:
    files: int = 0
    questions: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    passages: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # files read all the same, with a caveat
    seconds: float = 0.0

    @property
    def passages_per_second(self) -> float:
        return self.passages / self.seconds if self.seconds > 0 else 0.0

    def add(self, result: UpsertResult) -> None:
        self.added += len(result.added)
        self.updated += len(result.updated)
        self.unchanged += len(result.unchanged)
        self.duplicates += len(result.duplicates)
        self.passages += result.passages


def _add(path: Path, files: list[Path], seen: set[Path], errors: list[str]) -> None:
    try:
        real = path.resolve()  # not strict: a dangling link goes on to the reader, which says so
    except (OSError, RuntimeError):  # RuntimeError: a symbolic-link loop
        errors.append(f"{path}: cannot be read (a symbolic-link loop)")
        return
    if real not in seen:
        seen.add(real)
        files.append(path)


def collect_files(inputs: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """The files to read, in a stable order; folders are walked for the supported formats."""
    files: list[Path] = []
    errors: list[str] = []
    seen: set[Path] = set()
    for path in inputs:
        if not path.exists():
            errors.append(f"{path}: no such file or folder")
        elif path.is_dir():
            # followlinks=False: a link loop in a folder must not hang the indexer.
            for root, dirs, names in os.walk(path):
                dirs.sort()
                for name in sorted(names):
                    candidate = Path(root) / name
                    if candidate.suffix.lower() in SUPPORTED_SUFFIXES:
                        _add(candidate, files, seen, errors)
        else:
            _add(path, files, seen, errors)
    return files, errors


def _count_lines(path: Path) -> int:
    """Non-blank lines of a file, read a megabyte at a time: a file of one 300 MB line took
    650 MB to count line by line. Only a regular file is opened: a FIFO would block for ever,
    /dev/zero never end (the reader reports them)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return 1
        lines, started = 0, False  # started: the current line has non-blank bytes so far
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                *ended, rest = chunk.split(b"\n")
                for part in ended:
                    lines += started or bool(part.strip())
                    started = False
                started = started or bool(rest.strip())
        return lines + started
    except OSError:
        return 1


def count_records(files: Iterable[Path]) -> int:
    """How many records the files hold (a JSON Lines file one a line), for the progress bar."""
    return sum(_count_lines(p) if p.suffix.lower() in {".jsonl", ".ndjson"} else 1 for p in files)


def _checked(item: Question | InputError, path: Path, seen: dict[str, Path]) -> Question | InputError:
    """The record, or an error when it has no identity or repeats one read earlier in this run.

    The first record with an id wins and a later one is reported: two records claiming one id are
    a data error, and letting the last win would rewrite both on every run.
    """
    if isinstance(item, InputError):
        return item
    try:
        qid = item.qid
    except InputError as exc:
        return InputError(f"{path}: {exc.message}")
    if qid in seen:
        return InputError(f"{path}: id '{qid}' was already read from {seen[qid]}; this record is skipped")
    seen[qid] = path
    return item


def _records(files: Sequence[Path], summary: IndexSummary, strict: bool) -> Iterator[Question | InputError]:
    seen: dict[str, Path] = {}
    for path in files:
        summary.files += 1
        for record in read_file(path):
            if isinstance(record, ReadNotice):
                summary.warnings.append(record.message)
                continue
            item = _checked(record, path, seen)
            if isinstance(item, InputError):
                summary.errors.append(item.message)
                if strict:
                    raise item
            yield item


def run_index(
    service: SearchService,
    inputs: Sequence[Path],
    *,
    strict: bool = False,
    on_progress: Progress | None = None,
    files: list[Path] | None = None,
) -> IndexSummary:
    """Index everything under ``inputs``. What was indexed before stays unless a record replaces it."""
    started = time.perf_counter()
    summary = IndexSummary()
    if files is None:
        files, missing = collect_files(inputs)
        summary.errors.extend(missing)
        if strict and missing:
            raise InputError(missing[0])
    # Batches of about ``batch_size`` passages: the encoder sorts a batch by length so that its
    # forward passes pad little, which needs many texts (docs/performance.md).
    batch: list[Question] = []
    batch_passages = 0
    try:
        for item in _records(files, summary, strict):
            if isinstance(item, Question):
                batch.append(item)
                batch_passages += _passage_estimate(item)
                summary.questions += 1
                if batch_passages >= service.settings.batch_size:
                    summary.add(service.upsert(batch))
                    batch, batch_passages = [], 0
            if on_progress is not None:
                on_progress(1)
        if batch:
            summary.add(service.upsert(batch))
    except InputError:
        if batch:  # --strict: keep what was read before the bad record
            summary.add(service.upsert(batch))
        raise
    finally:
        summary.seconds = time.perf_counter() - started
    if summary.passages:
        # Bulk loads leave small unindexed segments: optimise so queries use the HNSW index.
        service.optimize()
    summary.seconds = time.perf_counter() - started
    return summary
