"""Point keys: a search's engine queries read no payload when the passages' questions and
positions are known by point id, and its results are the same whichever way they are known."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from semsearch.models import Question
from semsearch.service import SearchService
from semsearch.settings import Settings
from semsearch.store import edge as edge_module
from semsearch.store import edge_folder
from semsearch.store.point_keys import FILE, PointKeys, key_of

MakeQ = Callable[..., Question]
QUERIES = ("primes à la rénovation", "pistes cyclables", "cycle paths maintenance", "éoliennes")


class _Spy:
    """An engine shard, with what each query asked for and each retrieve read counted."""

    def __init__(self, shard: Any) -> None:
        self._shard = shard
        self.payloads: list[Any] = []
        self.retrieved = 0

    def query(self, request: Any) -> Any:
        self.payloads.append(request.with_payload)
        return self._shard.query(request)

    def retrieve(self, ids: Any, with_payload: Any, *args: Any) -> Any:
        if isinstance(with_payload, list):  # a read of keys, not the page's payloads
            self.retrieved += len(ids)
        return self._shard.retrieve(ids, with_payload, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._shard, name)


def _questions(make_question: MakeQ) -> list[Question]:
    texts = [
        ("Les primes à la rénovation", ["Le montant des primes.", "Les délais de paiement."], "fr"),
        ("Les pistes cyclables", ["Entretien des pistes cyclables régionales."], "fr"),
        ("Cycle paths", ["Maintenance of cycle paths on regional roads."], "en"),
        ("Les éoliennes en Wallonie", ["Un parc éolien à Namur.", "Les recours des riverains."], "fr"),
        ("Wind farms", ["Appeals against wind farms."], "en"),
    ]
    return [
        make_question(n, title=title, question=paragraphs, language=language)
        for n, (title, paragraphs, language) in enumerate(texts, start=1)
    ]


def _pages(service: SearchService) -> list[Any]:
    """Every query's page, with scores and matched passages, and a related-by-id page."""
    pages: list[Any] = []
    for query in QUERIES:
        for mode in ("hybrid", "dense", "sparse"):
            hits = service.search(query, mode=mode, limit=5)
            pages.append([_hit(h) for h in hits])
    pages.append([_hit(h) for h in service.related("1", limit=5)])
    return pages


def _hit(hit: Any) -> Any:
    passages = [(p.kind, p.paragraph, p.text, round(p.score, 9)) for p in hit.passages]
    return hit.id, round(hit.score, 9), hit.similarity, hit.closeness, passages


class _Spies:
    """Both of the store's shards spied on: the passages' and the heads' own, where the
    question-level queries go."""

    def __init__(self, service: SearchService) -> None:
        store: Any = service.store
        assert store._heads is not None  # the layout these tests are about
        self._store = store
        self.by_shard = {name: _Spy(getattr(store, name)) for name in ("_shard", "_heads")}
        for name, spy in self.by_shard.items():
            setattr(self._store, name, spy)

    @property
    def payloads(self) -> list[Any]:
        return [p for spy in self.by_shard.values() for p in spy.payloads]

    @property
    def retrieved(self) -> int:
        return sum(spy.retrieved for spy in self.by_shard.values())

    def restore(self) -> None:
        for name, spy in self.by_shard.items():
            setattr(self._store, name, spy._shard)


def test_searches_read_no_payload_from_the_engine_once_the_keys_are_saved(
    settings: Settings, make_question: MakeQ
) -> None:
    with SearchService.open(settings) as service:
        service.upsert(_questions(make_question))
        service.optimize()
        spy = _Spies(service)
        _pages(service)
        spy.restore()
    assert (settings.index_path / FILE).is_file()
    with SearchService.open(settings) as service:
        spy = _Spies(service)
        service.search("primes à la rénovation", limit=5)
        spy.restore()
    # Ranking's queries ask for no payload, in either shard; the page's texts are read apart,
    # for the page only.
    assert spy.by_shard["_shard"].payloads and spy.by_shard["_heads"].payloads
    assert all(p is False for p in spy.payloads)
    assert spy.retrieved == 0


def test_pages_are_the_same_from_saved_keys_from_the_engine_and_with_no_keys(
    settings: Settings, make_question: MakeQ, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SearchService.open(settings) as service:
        service.upsert(_questions(make_question))
        written = _pages(service)  # keys learnt from the writes
        service.optimize()
    with SearchService.open(settings) as service:
        saved = _pages(service)
    (settings.index_path / FILE).unlink()
    with SearchService.open(settings) as service:
        spy = _Spies(service)
        learnt = _pages(service)  # keys read from the engine, once
        assert spy.retrieved > 0
        first = spy.retrieved
        assert _pages(service) == learnt
        assert spy.retrieved == first  # and not again
        spy.restore()
    monkeypatch.setattr(edge_module, "KEY_FIELDS", ())
    with SearchService.open(settings) as service:
        payloads = _pages(service)  # the engine's payloads, as before the keys
    assert written == saved == learnt == payloads
    assert any(page for page in payloads)


@pytest.mark.parametrize(
    "damage",
    ["garbage", "truncated", "lengths", "unsorted", "question_out_of_range", "wrong_type"],
)
def test_a_damaged_keys_file_is_ignored_and_searches_stay_right(
    settings: Settings, make_question: MakeQ, damage: str
) -> None:
    with SearchService.open(settings) as service:
        service.upsert(_questions(make_question))
        service.optimize()
        expected = _pages(service)
    path = settings.index_path / FILE
    if damage == "garbage":
        path.write_bytes(b"not a numpy file at all")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    else:
        with np.load(path, allow_pickle=False) as saved:
            arrays = {name: saved[name] for name in saved.files}
        if damage == "lengths":
            arrays["position"] = arrays["position"][:-1]
        elif damage == "unsorted":
            arrays["low"] = arrays["low"][::-1].copy()
        elif damage == "question_out_of_range":
            arrays["question"] = arrays["question"] + len(arrays["questions"])
        else:
            arrays["low"] = arrays["low"].astype(np.float64)
        with open(path, "wb") as handle:
            np.savez(handle, **arrays)
    assert len(PointKeys.load(settings.index_path)) == 0
    with SearchService.open(settings) as service:
        assert _pages(service) == expected


def test_a_rewritten_question_is_found_at_its_new_passages(settings: Settings, make_question: MakeQ) -> None:
    with SearchService.open(settings) as service:
        service.upsert(_questions(make_question))
        service.optimize()
    with SearchService.open(settings) as service:
        # A new generation: new point ids, with another number of passages and another language.
        service.upsert(
            [make_question(1, title="Renovation grants", question=["Grant payment delays."], language="en")]
        )
        hits = service.search("renovation grants payment", limit=1)
        assert hits[0].id == "1"
        assert {p.text for p in hits[0].passages} <= {"Renovation grants", "Grant payment delays."}
        changed = _pages(service)
    with SearchService.open(settings) as service:  # the saved keys still hold the old generation's
        assert _pages(service) == changed


def test_the_map_itself(tmp_path: Path) -> None:
    one, two = uuid.UUID(int=(1 << 64) | 7), uuid.UUID(int=(2 << 64) | 7)  # same low 64 bits
    three = uuid.uuid4()
    payloads: list[tuple[Any, dict[str, Any]]] = [
        (one, {"question_id": "q1", "position": 0, "language": "fr"}),
        (str(three), {"question_id": "q2", "position": 3}),
        ("not kept", {"question_id": "q3"}),  # no position: not a passage's key
    ]
    entries = [(i, key) for i, payload in payloads if (key := key_of(payload)) is not None]
    assert PointKeys.save(tmp_path, entries)
    keys = PointKeys.load(tmp_path)
    assert keys.find([one, three, two]) == [("q1", 0, "fr"), ("q2", 3, None), None]
    assert keys.add(two, {"question_id": "q9", "position": 1, "language": "nl"}) == ("q9", 1, "nl")
    assert keys.find([str(two), one]) == [("q9", 1, "nl"), ("q1", 0, "fr")]
    assert keys.add(uuid.uuid4(), {"question_id": 5, "position": 1}) is None
    assert len(PointKeys.load(tmp_path / "absent")) == 0


def test_the_keys_file_follows_the_index(settings: Settings, make_question: MakeQ) -> None:
    with SearchService.open(settings) as service:
        service.upsert(_questions(make_question))
        service.optimize()
    copy = edge_folder.private_copy(settings.index_path)
    try:
        assert (copy / FILE).is_file()
    finally:
        edge_folder.remove_copy(copy)
    edge_folder.remove_index(settings.index_path)
    assert not (settings.index_path / FILE).exists()


def test_each_save_covers_the_index_and_drops_deleted_passages_when_they_pile_up(
    settings: Settings, make_question: MakeQ
) -> None:
    questions = _questions(make_question)
    with SearchService.open(settings) as service:
        service.upsert(questions[:3])
        service.optimize()
    with SearchService.open(settings) as service:  # what it wrote, added to the copy it read
        service.upsert(questions[3:])
        service.optimize()
        count = service.store.count(None)
    assert len(PointKeys.load(settings.index_path)) == count
    with SearchService.open(settings) as service:
        spy = _Spies(service)
        _pages(service)
        assert spy.retrieved == 0
        spy.restore()
        for round_ in range(3):  # every question written anew: the old passages deleted
            service.upsert([q.model_copy(update={"title": f"{q.title} ({round_})"}) for q in questions])
        service.optimize()
        count = service.store.count(None)
    assert len(PointKeys.load(settings.index_path)) == count  # read anew, without the deleted
