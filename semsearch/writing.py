"""Writing questions: what each record becomes in the index, written so that a crash is safe.

A record is new, changed (replaced whole) or unchanged (skipped, by its content hash); a page
without an id of its own may be a question already indexed under the source's id, and is merged
into it. Each batch is written as one new generation (``semsearch.generations``), which readers
see only once it is whole. The service calls this under its write lock, so writes go one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from semsearch import generations
from semsearch.embedding.protocol import Embedder
from semsearch.ids import point_id
from semsearch.models import Question
from semsearch.passages import build_passages
from semsearch.payload import (
    WRITE_FIELDS,
    Payload,
    Stamp,
    content_hash_of,
    generation_of,
    is_answer,
    is_id_derived,
    passage_payload,
    question_id_of,
    source_hashes,
    stored_answer,
    text_of,
    untrusted,
)
from semsearch.sparse import SparseEncoder
from semsearch.store import conditions as cond
from semsearch.store.base import QUESTION, QUESTION_MODEL, PointData, Store, StoredPoint


@dataclass
class UpsertResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (record identity, kept id)
    repeated: list[tuple[int, str]] = field(default_factory=list)  # (position in the batch, its id)
    passages: int = 0


@dataclass
class _Write:
    qid: str
    question: Question
    content_hash: str
    source_hashes: list[str]
    updated: bool
    replaces: str | None = None  # a question indexed under another id, deleted once this is written


def _record_richness(q: Question) -> tuple[bool, int]:
    """Of two records of one question, the one with an answer (then the longer answer) says more;
    compared with :func:`semsearch.payload.stored_answer` of the indexed one."""
    return q.answered, sum(map(len, q.answer))


class Encoders(NamedTuple):
    passages: Embedder
    question: Embedder | None  # the question-level model, when the index has one


class Writer:
    def __init__(
        self,
        store: Store,
        sparse: SparseEncoder,
        prepare: Callable[[], Encoders],
        read: Callable[[str], Question],
        title_weight: int = 1,
    ) -> None:
        self.store = store
        self.sparse = sparse
        self.title_weight = title_weight
        self._prepare = prepare  # the encoders, once the index exists for them
        self._read = read  # an indexed question, whole
        self._recovered = False

    def upsert(self, questions: Sequence[Question]) -> UpsertResult:
        """Index questions: new ones are added, changed ones replaced whole, unchanged ones skipped.

        A batch that repeats an id keeps the first record and reports the later ones
        (``repeated``), as ``semsearch index`` does across files: one rule everywhere.
        """
        result = UpsertResult()
        first: dict[str, Question] = {}
        for n, q in enumerate(questions):
            if q.qid in first:
                result.repeated.append((n, q.qid))
            else:
                first[q.qid] = q
        # Records with their own id go first, so that a page without one, in the same batch,
        # finds the question it duplicates already stored.
        self._upsert_part({k: q for k, q in first.items() if q.id}, result)
        self._upsert_part({k: q for k, q in first.items() if not q.id}, result)
        return result

    def recover(self) -> generations.Recovery:
        """Finish or remove the writes a crash left unfinished (once per writer, before its first
        write: a question they touch must be whole before it is planned against)."""
        self._recovered = True
        return generations.recover(self.store)

    def reembed(self, question_ids: list[str]) -> None:
        """Write these questions again, from their stored texts, as they were written (same
        hashes): new vectors for a question whose vectors were found damaged (semsearch check)."""
        heads = self.store.heads(question_ids)
        writes = []
        for qid in question_ids:
            stored = self._read(qid)
            question = stored.model_copy(update={"id": None}) if is_id_derived(heads[qid]) else stored
            digest = content_hash_of(heads[qid]) or question.content_hash()
            writes.append(_Write(qid, question, digest, source_hashes(heads[qid]), updated=True))
        self._write(writes, UpsertResult())

    def _heads(self, question_ids: list[str]) -> dict[str, Payload]:
        """The questions' heads; one written before generations whose passages are not all of its
        version (a crash under the old write order) is returned without its hashes: rewritten."""
        heads = self.store.heads(question_ids)
        legacy = [qid for qid, head in heads.items() if generation_of(head) == 0]
        if legacy:
            points: dict[str, list[StoredPoint]] = {}
            for p in self.store.scan(cond.every_point_of(legacy), WRITE_FIELDS):
                points.setdefault(question_id_of(p.payload), []).append(p)
            for qid in legacy:
                if not generations.consistent(heads[qid], points.get(qid, [])):
                    heads[qid] = untrusted(heads[qid])
        return heads

    def _upsert_part(self, latest: dict[str, Question], result: UpsertResult) -> None:
        if not latest:
            return
        if not self._recovered:
            self.recover()
        heads = self._heads(list(latest))
        writes: list[_Write] = []
        for qid, q in latest.items():
            write = self._plan(qid, q, heads.get(qid), result)
            if write is not None:
                writes.append(write)
        if writes:
            self._write(writes, result)

    def _plan(self, qid: str, q: Question, head: Payload | None, result: UpsertResult) -> _Write | None:
        digest = q.content_hash()
        if head is not None:
            if digest in source_hashes(head):
                result.unchanged.append(qid)
                return None
            return _Write(qid, q, digest, [digest], updated=True)
        other = self.store.find_natural_key(q.natural_key) if q.natural_key else None
        if other is None or other == qid:
            return _Write(qid, q, digest, [digest], updated=False)
        other_head = self._heads([other])[other]
        if q.id is None:
            # A page without an id that is already indexed under the source's own id (e.g. the
            # export's): the same question. Take its content only if it says more (an answer).
            if digest in source_hashes(other_head):
                result.unchanged.append(other)
                return None
            if _record_richness(q) > stored_answer(other_head):
                return _Write(other, q, digest, [*source_hashes(other_head), digest], updated=True)
            result.duplicates.append((qid, other))
            return None
        if not is_id_derived(other_head):
            return _Write(qid, q, digest, [digest], updated=False)
        # The record with its own id takes over a question first indexed from a page (derived id),
        # keeping whichever content says more, and both sources, so neither is re-embedded later.
        result.duplicates.append((other, qid))
        hashes = [digest, *source_hashes(other_head)]
        if stored_answer(other_head) > _record_richness(q):
            page = self._read(other).model_copy(update={"id": qid})
            return _Write(qid, page, page.content_hash(), hashes, updated=False, replaces=other)
        return _Write(qid, q, digest, hashes, updated=False, replaces=other)

    def _points(self, writes: list[_Write], embedder: Embedder, generation: int) -> list[list[PointData]]:
        """Every passage of each write as a point of this generation (vectors still empty)."""
        points: list[list[PointData]] = []
        for w in writes:
            payload_question = w.question.model_copy(
                update={"id": w.qid if w.question.id else None, "language": self._language(w.question)}
            )
            passages = build_passages(w.question, embedder.count_tokens, embedder.max_tokens)
            stamp = Stamp(w.qid, w.content_hash, w.source_hashes, generation, len(passages), w.replaces)
            points.append(
                [
                    PointData(
                        point_id(w.qid, p.position, generation),
                        [],
                        passage_payload(payload_question, p, stamp),
                    )
                    for p in passages
                ]
            )
        return points

    def _language(self, q: Question) -> str:
        return q.language or self.sparse.language_of(" ".join([q.title, *q.question]), q.language)

    def _embed(self, writes: list[_Write], encoders: Encoders, generation: int) -> list[PointData]:
        """The writes' points with their vectors; each head also gets the question-level ones."""
        per_write = self._points(writes, encoders.passages, generation)
        flat = [p for points in per_write for p in points]
        # One call for the whole batch: the encoder sorts it by length, so its forward passes
        # pad little. (Writing while the next chunk was embedded measured slower here: ONNX
        # Runtime already keeps both cores busy; see docs/performance.md.)
        vectors = encoders.passages.embed_documents([text_of(p.payload) for p in flat])
        for point, vector in zip(flat, vectors, strict=True):
            point.vector = vector.tolist()
        wholes = (
            encoders.question.embed_documents([whole_text(w.question) for w in writes])
            if encoders.question is not None
            else None
        )
        for n, (w, points) in enumerate(zip(writes, per_write, strict=True)):
            head = points[0]
            asked = np.asarray([p.vector for p in points if not is_answer(p.payload)], dtype=np.float32)
            mean = asked.mean(axis=0)
            head.extra[QUESTION] = (mean / max(float(np.linalg.norm(mean)), 1e-12)).tolist()
            if wholes is not None:
                head.extra[QUESTION_MODEL] = wholes[n].tolist()
            lexical = whole_text(w.question, self.title_weight)
            head.sparse = self.sparse.document(lexical, self._language(w.question))
        return flat

    def _write(self, writes: list[_Write], result: UpsertResult) -> None:
        generation = generations.next_generation()
        points = self._embed(writes, self._prepare(), generation)
        # Pending, then committed (semsearch.generations): a crash anywhere leaves each question
        # either as it was or whole in its new version once recovered; never a blend.
        self.store.upsert(points)
        replaced = [w.replaces for w in writes if w.replaces]
        generations.commit(self.store, [w.qid for w in writes], generation, replaced)
        for w in writes:
            (result.updated if w.updated else result.added).append(w.qid)
        result.passages += len(points)


def whole_text(q: Question, title_weight: int = 1) -> str:
    """A question as one text: its title (``title_weight`` times: titles say what a question is
    about in a few words), its paragraphs and its answer's."""
    return " ".join([q.title] * title_weight + list(q.question) + list(q.answer))
