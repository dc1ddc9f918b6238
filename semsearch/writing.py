"""Writing questions: what each record becomes in the index, written so that a crash is safe.

A record is new, changed (replaced whole) or unchanged (skipped, by its content hash); a page
without an id of its own may be a question already indexed under the source's id, and is merged
into it. Each batch is written as one new generation (``semsearch.generations``), which readers
see only once it is whole. The service calls this under its write lock, so writes go one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

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
    is_id_derived,
    passage_payload,
    question_id_of,
    source_hashes,
    stored_answer,
    untrusted,
)
from semsearch.sparse import SparseEncoder
from semsearch.store import conditions as cond
from semsearch.store.base import PointData, Store, StoredPoint


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


class Writer:
    def __init__(
        self,
        store: Store,
        sparse: SparseEncoder,
        prepare: Callable[[], Embedder],
        read: Callable[[str], Question],
    ) -> None:
        self.store = store
        self.sparse = sparse
        self._prepare = prepare  # the embedder, once the index exists for it
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

    def _points(
        self, writes: list[_Write], embedder: Embedder, generation: int
    ) -> tuple[list[PointData], list[str]]:
        """Every passage of the writes as a point (vector still empty), and the texts to embed."""
        points: list[PointData] = []
        texts: list[str] = []
        for w in writes:
            language = self.sparse.language_of(
                " ".join([w.question.title, *w.question.question]), w.question.language
            )
            payload_question = w.question.model_copy(
                update={"id": w.qid if w.question.id else None, "language": w.question.language or language}
            )
            passages = build_passages(w.question, embedder.count_tokens, embedder.max_tokens)
            stamp = Stamp(w.qid, w.content_hash, w.source_hashes, generation, len(passages), w.replaces)
            for p in passages:
                payload = passage_payload(payload_question, p, stamp)
                sparse = self.sparse.document(p.text, language)
                points.append(PointData(point_id(w.qid, p.position, generation), [], payload, sparse))
                texts.append(p.text)
        return points, texts

    def _write(self, writes: list[_Write], result: UpsertResult) -> None:
        embedder = self._prepare()
        generation = generations.next_generation()
        points, texts = self._points(writes, embedder, generation)
        # One call for the whole batch: the encoder sorts it by length, so its forward passes pad
        # little. (Writing while the next chunk was embedded measured slower here: ONNX Runtime
        # already keeps both cores busy; see docs/performance.md.)
        vectors = embedder.embed_documents(texts)
        for point, vector in zip(points, vectors, strict=True):
            point.vector = vector.tolist()
        # Pending, then committed (semsearch.generations): a crash anywhere leaves each question
        # either as it was or whole in its new version once recovered; never a blend.
        self.store.upsert(points)
        replaced = [w.replaces for w in writes if w.replaces]
        generations.commit(self.store, [w.qid for w in writes], generation, replaced)
        for w in writes:
            (result.updated if w.updated else result.added).append(w.qid)
        result.passages += len(points)
