"""A search's independent parts (its encodings, its engine queries) run at once, and change nothing
in what it finds."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from semsearch.fanout import Deferred, Fanout
from semsearch.filters import SearchFilter
from semsearch.models import Question
from semsearch.ranking import gather
from semsearch.service import SearchService
from semsearch.store.base import DENSE, QUESTION, QUESTION_BM25, QUESTION_MODEL, Probe
from tests.support.settings import fake_settings

MakeQ = Callable[..., Question]


def _meeting(parties: int) -> Callable[[], str]:
    """A task that ends only when ``parties`` tasks have reached it together (else it fails)."""
    barrier = threading.Barrier(parties, timeout=10)

    def task() -> str:
        barrier.wait()
        return threading.current_thread().name

    return task


def test_the_tasks_run_at_once_the_first_in_the_caller() -> None:
    fanout = Fanout(3)
    try:
        meet = _meeting(3)
        names = fanout.run([meet, meet, meet])
    finally:
        fanout.close()
    assert names[0] == threading.current_thread().name
    assert len(set(names)) == 3


def test_without_workers_the_tasks_run_in_turn_in_the_caller() -> None:
    order: list[int] = []
    assert Fanout(0).run([lambda: order.append(1) or "a", lambda: order.append(2) or "b"]) == ["a", "b"]
    assert order == [1, 2]
    with pytest.raises(threading.BrokenBarrierError):
        meet = _meeting(2)
        Fanout(0).run([meet, meet])


def test_results_keep_the_tasks_order_and_a_failure_waits_for_the_others() -> None:
    fanout = Fanout(2)
    ended = threading.Event()

    def slow() -> int:
        ended.wait(0.2)
        ended.set()
        return 2

    def fails() -> int:
        raise ValueError("boom")

    try:
        assert fanout.run([lambda: 1, slow, lambda: 3]) == [1, 2, 3]
        ended.clear()
        with pytest.raises(ValueError, match="boom"):
            fanout.run([fails, slow])
        assert ended.is_set()  # the other task had ended when the failure was raised
    finally:
        fanout.close()


def test_a_search_encodes_while_its_other_parts_run_and_keeps_a_fixed_order(
    service: SearchService, make_question: MakeQ, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.upsert([make_question(n, title=f"Primes rénovation {n}") for n in range(5)])
    query = service.text_query("primes")  # its vectors are made by the ranking, not here
    meet = _meeting(3)
    threads: dict[str, str] = {}
    embed_query, embed_whole, search = service.embed_query, service.embed_whole, service.store.search

    def meeting_passage_model(text: str) -> object:
        threads["passage model"] = meet()  # BM25's query and the other model must be running
        return embed_query(text)

    def meeting_question_model(text: str) -> object:
        threads["question model"] = meet()
        return embed_whole(text)

    def meeting_search(probe: Probe, *args: object, **kwargs: object) -> object:
        if probe.using == QUESTION_BM25:
            threads["bm25"] = meet()
        else:
            threads.setdefault(probe.using, threading.current_thread().name)
        return search(probe, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "embed_query", meeting_passage_model)
    monkeypatch.setattr(service, "embed_whole", meeting_question_model)
    monkeypatch.setattr(service.store, "search", meeting_search)
    found = gather(service.store, service.sparse, service.settings, query, SearchFilter(), fanout=Fanout(3))
    assert [s.name for s in found.signals] == ["passages", "question", "question_model", "bm25"]
    caller = threading.current_thread().name
    # The passage model's part, the longest, runs in the calling thread: its encoding, then its
    # two engine queries; the two other parts in the pool's threads, each its own.
    assert threads["passage model"] == threads[DENSE] == threads[QUESTION] == caller
    assert threads["question model"] == threads[QUESTION_MODEL] != caller
    assert threads["bm25"] not in (caller, threads["question model"])
    assert query.dense is not None and query.whole is not None  # made once, kept for the page


def test_a_deferred_value_is_made_once_and_a_failure_lets_the_next_try() -> None:
    calls: list[int] = []
    gate = threading.Event()

    def make() -> int:
        calls.append(1)
        gate.wait(5)
        if len(calls) == 1:
            raise ValueError("first try fails")
        return len(calls)

    deferred = Deferred(make)
    gate.set()
    with pytest.raises(ValueError, match="first try fails"):
        deferred.get()
    gate.clear()
    with ThreadPoolExecutor(4) as pool:
        waiting = [pool.submit(deferred.get) for _ in range(4)]
        gate.set()
        assert [w.result(timeout=10) for w in waiting] == [2, 2, 2, 2]  # made once for all four
    assert len(calls) == 2
    assert Deferred.of(None).get() is None


def test_pages_are_the_same_with_and_without_the_fanout(tmp_path: Path, make_question: MakeQ) -> None:
    questions = [
        make_question(
            n,
            title=f"{['Primes', 'Tram', 'Éoliennes'][n % 3]} numéro {n}",
            question=[f"La rénovation des logements {n % 4}.", "Le ministre peut-il répondre ?"],
        )
        for n in range(30)
    ]
    pages = []
    for threads in (0, 4):  # one index, searched by a service of each kind in turn
        with SearchService.open(fake_settings(tmp_path / "index", query_threads=threads)) as service:
            if not threads:
                service.upsert(questions)
            pages.append(
                [
                    [(h.id, h.score, h.closeness) for h in service.search(text, limit=10)]
                    for text in ("primes rénovation", "tram des logements", "éoliennes 3")
                ]
                + [[(h.id, h.score) for h in service.related("4", limit=10)]]
            )
    assert pages[0] == pages[1]
    assert all(pages[0])
