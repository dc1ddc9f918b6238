"""Searches leave out the pending condition only when no pending passage can exist, and never see
one, even while another thread writes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from semsearch import payload as pl
from semsearch.models import Question
from semsearch.service import SearchService
from semsearch.settings import Settings
from semsearch.store.pending_gate import PendingGate
from tests.support.shard_spy import ShardSpy

MakeQ = Callable[..., Question]


def test_searches_carry_the_condition_only_while_pending_passages_may_exist(
    settings: Settings, make_question: MakeQ
) -> None:
    with SearchService.open(settings) as service:
        service.upsert([make_question(n, title=f"Les primes {n}") for n in range(3)])
        store: Any = service.store
        spy = ShardSpy(store.shard, lambda request: pl.WRITE_STATE in str(request.filter))
        store._shard = spy
        try:
            service.search("primes", limit=3)
            assert spy.seen and not any(spy.seen)  # committed: nothing to hide
            # A pending write (as a writer leaves it between its two steps): hidden, conditioned.
            pending = store.question_points("1", with_vectors=True)
            stray = [_pending_copy(p) for p in pending[:1]]  # incomplete: recovery removes it
            store.upsert(stray)
            spy.seen.clear()
            hits = service.search("primes", limit=3)
            assert spy.seen and all(spy.seen)
            assert {h.id for h in hits} == {"0", "1", "2"}
            service.recover()  # removes it: a count then finds none
            spy.seen.clear()
            service.search("primes", limit=3)
            assert spy.seen and not any(spy.seen)
        finally:
            store._shard = spy.shard


def _pending_copy(point: Any) -> Any:
    from semsearch.ids import point_id
    from semsearch.store.base import PointData

    generation = 1  # a dead writer's
    payload = {**point.payload, pl.WRITE_STATE: pl.PENDING, pl.GENERATION: generation}
    return PointData(
        point_id(pl.question_id_of(payload), pl.position_of(payload), generation),
        list(point.vector),
        payload,
        None,
        dict(point.vectors),
    )


def test_no_search_sees_a_pending_passage_while_another_thread_writes(
    settings: Settings, make_question: MakeQ
) -> None:
    with SearchService.open(settings) as service:
        service.upsert([make_question(n, title=f"Les éoliennes {n}") for n in range(4)])
        stop = threading.Event()
        seen: list[str] = []
        errors: list[BaseException] = []

        def search() -> None:
            try:
                while not stop.is_set():
                    for hit in service.search("éoliennes", limit=10, label=False):
                        seen.append(hit.id)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=search) for _ in range(3)]
        for t in threads:
            t.start()
        store: Any = service.store
        try:
            for round_ in range(15):
                # New questions, written pending then committed by the writer; each commit opens
                # the gate again, each write closes it.
                service.upsert([make_question(f"new{round_}", title=f"Les éoliennes nouvelles {round_}")])
                stray = [_pending_copy(p) for p in store.question_points("0", with_vectors=True)[:1]]
                for p in stray:
                    p.payload[pl.QUESTION_ID] = f"ghost{round_}"
                store.upsert(stray)
                service.recover()
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert not errors
        assert seen and not any(s.startswith("ghost") for s in seen)


def test_a_write_waits_for_the_searches_without_the_condition() -> None:
    gate = PendingGate()
    order: list[str] = []
    inside = threading.Event()
    release = threading.Event()

    def search() -> None:
        with gate.searching(lambda: True) as conditioned:
            assert not conditioned
            inside.set()
            release.wait(5)
            order.append("search done")

    def write() -> None:
        with gate.writing_pending():
            order.append("write")

    searcher = threading.Thread(target=search)
    searcher.start()
    assert inside.wait(5)
    writer = threading.Thread(target=write)
    writer.start()
    writer.join(0.2)
    assert writer.is_alive() and not order  # held back by the search running without the condition
    with gate.searching(lambda: True) as conditioned:
        assert conditioned  # closed from the write's start
    release.set()
    searcher.join(5)
    writer.join(5)
    assert order == ["search done", "write"]
    with gate.searching(lambda: True) as conditioned:
        assert conditioned  # a write of pending passages: closed until a count finds none
    gate.recount(lambda: False)
    with gate.searching(lambda: True) as conditioned:
        assert conditioned
    gate.recount(lambda: True)
    with gate.searching(lambda: False) as conditioned:
        assert not conditioned
