"""``semsearch check``: verify an index passage by passage, and repair what can be repaired.

Every point is read once, with its vectors (a page at a time: an index of 400,000 passages does not
fit in memory as Python lists). A passage must have the fields every passage has, its text as
written (its hash), its id (from its question, position and generation) and a vector of the
index's dimension, normalised. A question must have a head and exactly one version: the head's
generation and content hash on every passage, positions 0..n-1 once each, n as recorded, one
question's metadata. Unfinished writes are listed, and the engine's own counts compared with
what was read.

``repair`` finishes or removes unfinished writes (``semsearch.generations.recover``), removes the
stray passages of a question whose own version is whole, and removes whole a question that is
not (its id is listed: re-index it from its source). Nothing is repaired that cannot be told
right: an index the engine cannot read is reported, for a restore or a rebuild.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from semsearch import generations
from semsearch import payload as pl
from semsearch.errors import IndexDamagedError
from semsearch.filters import SearchFilter
from semsearch.ids import point_id
from semsearch.store import conditions as cond
from semsearch.store.base import DENSE, QUESTION, PointData, Probe, Store

_NORM_TOLERANCE = 1e-3


@dataclass
class _Point:
    id: str
    qid: str
    position: int
    generation: int
    pending: bool
    content_hash: str | None
    passages: int | None
    digest: str
    problem: str | None
    vectors_only: bool = False  # its payload and id are right: only its vectors are damaged


@dataclass
class Finding:
    question_id: str  # "" for a point that names no question
    problem: str
    repair: str  # what --repair does about it
    point_ids: list[str] = field(default_factory=list)  # the points --repair removes
    # Whole and readable but for its vectors: --repair embeds it again from its stored text.
    reembed: bool = False


@dataclass
class CheckReport:
    questions: int = 0
    passages: int = 0
    findings: list[Finding] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not self.findings


def _vector_problem(point: PointData, dimension: int | None) -> str | None:
    if dimension is not None and len(point.vector) != dimension:
        return f"its vector has {len(point.vector)} dimensions, not {dimension}"
    for name, vector in {"": point.vector, **point.extra}.items():
        norm = math.sqrt(math.fsum(x * x for x in vector))
        if not math.isfinite(norm) or abs(norm - 1.0) > _NORM_TOLERANCE:
            which = f"{name} vector" if name else "vector"
            return f"its {which} is damaged (norm {norm:.4g}, not 1)"
    if point.sparse is not None and not all(math.isfinite(v) for v in point.sparse.values):
        return "its BM25 vector is damaged"
    return None


def _read(point: PointData, dimension: int | None) -> _Point:
    payload = point.payload
    problem = pl.passage_problem(payload)
    qid = str(payload.get(pl.QUESTION_ID) or "") if problem != "no question id" else ""
    position, generation = (pl.position_of(payload), pl.generation_of(payload)) if qid else (0, 0)
    if problem is None and point_id(qid, position, generation) != point.id:
        problem = "its id is not that of its question, position and generation"
    vector_problem = _vector_problem(point, dimension) if problem is None else None
    if problem is None and vector_problem is None and position == 0 and QUESTION not in point.extra:
        # A head the question-level searches cannot find (on the embedded engine its vectors are
        # in the heads' shard: a crash between the two shards' deletions leaves it so).
        vector_problem = "its question vectors are missing"
    return _Point(
        point.id,
        qid,
        position,
        generation,
        pl.is_pending(payload),
        pl.content_hash_of(payload),
        pl.passage_count_of(payload),
        pl.question_digest(payload),
        problem or vector_problem,
        vectors_only=vector_problem is not None,
    )


def _question(qid: str, points: list[_Point]) -> list[Finding]:
    """What is wrong with one question's committed points."""
    every = [p.id for p in points]
    heads = [p for p in points if p.position == 0]
    if not heads:
        return [
            Finding(qid, f"{len(points)} passages without a head (searchable, not shown)", "removed", every)
        ]
    head = max(heads, key=lambda p: (p.problem is None, p.generation))
    version = [p for p in points if (p.generation, p.content_hash) == (head.generation, head.content_hash)]
    stray = [p for p in points if p not in version]
    removed = "removed whole (re-index it from its source)"
    positions = sorted(p.position for p in version)
    expected = head.passages if head.passages is not None else len(positions)
    whole = positions == list(range(expected)) and all(p.digest == head.digest for p in version)
    damaged = [p for p in version if p.problem]
    if damaged:
        first = damaged[0]
        problem = f"passage {first.position}: {first.problem}"
        if whole and all(p.vectors_only for p in damaged):
            return [Finding(qid, problem, "embedded again from its stored text", reembed=True)]
        return [Finding(qid, problem, removed, every)]
    if positions != list(range(expected)):
        return [Finding(qid, f"passages at positions {positions} of {expected}", removed, every)]
    if not whole:
        return [Finding(qid, "its passages disagree on the question's metadata", removed, every)]
    if stray:
        versions = len({(p.generation, p.content_hash) for p in stray})
        problem = f"{len(stray)} stale passages of {versions} other version(s) beside its own"
        return [Finding(qid, problem, "stale passages removed", [p.id for p in stray])]
    return []


def _unfinished(points: list[_Point]) -> list[Finding]:
    writes: dict[tuple[str, int], list[_Point]] = defaultdict(list)
    for p in points:
        writes[(p.qid, p.generation)].append(p)
    findings = []
    for (qid, _), found in sorted(writes.items()):
        expected = found[0].passages
        complete = expected is not None and sorted(p.position for p in found) == list(range(expected))
        what = f"an unfinished write ({len(found)} of {expected if expected is not None else '?'} passages)"
        findings.append(Finding(qid, f"{what}, invisible to searches", "finished" if complete else "removed"))
    return findings


def _all_points(store: Store, dimension: int | None) -> Iterable[_Point]:
    """Every point, read a page at a time; when the engine cannot read a page (a damaged payload
    or vector file), one at a time, so that each unreadable point is named."""
    try:
        for page in store.points():
            yield from (_read(p, dimension) for p in page)
        return
    except IndexDamagedError:
        pass
    for ref in store.scan(cond.Conditions(), ()):
        try:
            yield from (_read(p, dimension) for p in store.read_points([ref.id]))
        except IndexDamagedError as exc:
            why = exc.message.replace(f"; {IndexDamagedError.HINT}", "")
            yield _Point(ref.id, "", 0, 0, False, None, None, "", f"unreadable: {why}")


def inspect(store: Store, dimension: int | None) -> CheckReport:
    """Everything wrong in the store (nothing changed)."""
    report = CheckReport()
    committed: dict[str, list[_Point]] = defaultdict(list)
    pending: list[_Point] = []
    nameless: list[_Point] = []
    for point in _all_points(store, dimension):
        if not point.qid:
            nameless.append(point)
        elif point.pending:
            pending.append(point)
        else:
            committed[point.qid].append(point)
    for p in nameless:
        report.findings.append(Finding("", f"point {p.id}: {p.problem}", "removed", [p.id]))
    for qid in sorted(committed):
        report.findings += _question(qid, committed[qid])
    report.findings += _unfinished(pending)
    report.questions = len(committed)
    report.passages = sum(map(len, committed.values()))
    if not nameless:  # an unreadable point may be anyone's head: the counts cannot be compared
        report.findings += _counts(store, report.passages, committed)
    return report


def _counts(store: Store, passages: int, committed: dict[str, list[_Point]]) -> list[Finding]:
    """The engine's counts (from its payload indexes) against what was read point by point."""
    heads = sum(1 for points in committed.values() for p in points if p.position == 0)
    counted = (store.count(), store.count(heads_only=True))
    if counted == (passages, heads):
        return []
    problem = (
        f"the engine counts {counted[0]} passages and {counted[1]} heads, but {passages} passages "
        f"and {heads} heads were read: its payload indexes are damaged"
    )
    return [Finding("", problem, "none: restore the index from a backup or rebuild it")]


Reembed = Callable[[list[str]], None]  # writes questions again from their stored texts


def check(
    store: Store, dimension: int | None, repair: bool = False, reembed: Reembed | None = None
) -> CheckReport:
    """Verify the index; with ``repair``, repair what can be, then verify it again. ``reembed``
    embeds questions again from their stored texts (their vectors damaged, their texts intact)."""
    report = inspect(store, dimension)
    if not repair or report.exact:
        return report
    recovered = generations.recover(store)
    again = [f.question_id for f in report.findings if f.reembed]
    if again and reembed is not None:
        reembed(again)
    report.findings = [f for f in report.findings if not (f.reembed and reembed is not None)]
    done = [f"finished the unfinished write of {qid}" for qid in recovered.finished]
    done += [f"removed the unfinished write of {qid}" for qid in recovered.removed]
    done += [f"{qid}: embedded again from its stored text" for qid in again if reembed is not None]
    for finding in report.findings:
        if finding.point_ids:
            who = finding.question_id or "a point without a question"
            try:
                store.delete(cond.these_points(finding.point_ids))
            except IndexDamagedError:
                # The engine reads a point's payload to delete it: an unreadable one stays.
                done.append(f"{who}: could not be removed (the engine cannot read it)")
                continue
            done.append(f"{who}: {finding.repair}")
    after = inspect(store, dimension)
    after.repaired = done
    return after


def probe(store: Store, dimension: int | None) -> None:
    """Read what a search reads, or raise: the passages a search ranks (their question and
    position), then the whole payload and vector of the first ones, checked. (A count alone
    answered while every search failed on a garbled payload page.)"""
    store.count()
    if not dimension:
        return
    everywhere = Probe(DENSE, dense=[1.0 / dimension**0.5] * dimension)
    ranked = store.search(everywhere, 200, SearchFilter(), fields=pl.RANKING_FIELDS)
    for payload in store.payloads([p.id for p in ranked[:10]]).values():
        pl.checked_text(payload)
