"""``serve`` reads the embedded index's files into the page cache in the background: which files,
in what order, within what memory, and that it stops with the index."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from api.app import open_service
from semsearch.models import Question
from semsearch.service import SearchService
from semsearch.store import page_cache
from semsearch.store.edge import EdgeStore
from semsearch.store.page_cache import CacheWarmer, available_memory, files_to_read, read_into_cache
from tests.support.settings import fake_settings

MakeQ = Callable[..., Question]


def _file(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))
    return path


@pytest.fixture
def shard(tmp_path: Path) -> Path:
    root = tmp_path / "shard"
    _file(root / "segments/a/payload_storage/page_0.dat", 3000)
    _file(root / "segments/a/vector_storage-question_model/matrix.dat", 5000)
    _file(root / "segments/b/vector_storage-question/matrix.dat", 4000)
    _file(root / "segments/b/payload_index/index.bin", 1000)
    _file(root / "segments/b/vector_storage-dense/matrix.dat", 6000)
    _file(root / "wal/open-1", 100)  # the log is not what searches read
    return root


def _names(paths: list[Path], shard: Path) -> list[str]:
    return [str(p.relative_to(shard / "segments")) for p in paths]


def test_the_question_level_vectors_come_first_then_the_smaller_files(shard: Path) -> None:
    assert _names(files_to_read([shard], 10**9), shard) == [
        "b/vector_storage-question/matrix.dat",
        "a/vector_storage-question_model/matrix.dat",
        "b/payload_index/index.bin",
        "a/payload_storage/page_0.dat",
        "b/vector_storage-dense/matrix.dat",
    ]


def test_only_what_fits_in_the_budget_is_read(shard: Path) -> None:
    # 4000 + 1000 + 3000: the question model's vectors (5000) would not fit after the first file.
    assert _names(files_to_read([shard], 8500), shard) == [
        "b/vector_storage-question/matrix.dat",
        "b/payload_index/index.bin",
        "a/payload_storage/page_0.dat",
    ]
    assert files_to_read([shard], 500) == []
    assert files_to_read([shard.parent / "missing"], 10**9) == []


def test_files_are_read_whole_and_a_vanished_one_is_skipped(shard: Path) -> None:
    paths = files_to_read([shard], 10**9)
    gone = paths[1]
    gone.unlink()
    assert read_into_cache(paths, threading.Event()) == sum(p.stat().st_size for p in paths if p != gone)


def test_reading_stops_when_asked(shard: Path) -> None:
    stop = threading.Event()
    stop.set()
    assert read_into_cache(files_to_read([shard], 10**9), stop) == 0


def test_the_available_memory_is_read_from_meminfo(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24683712 kB\nMemAvailable:    2048 kB\n", encoding="ascii")
    assert available_memory(meminfo) == 2048 * 1024
    meminfo.write_text("MemTotal:       24683712 kB\n", encoding="ascii")
    assert available_memory(meminfo) is None
    assert available_memory(tmp_path / "absent") is None


def test_the_warmer_starts_once_and_not_without_a_memory_figure(
    shard: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmer = CacheWarmer()
    assert warmer.start([shard], memory=2 * 9000)  # half of it: 9000 bytes
    assert not warmer.start([shard], memory=10**9)
    assert warmer.wait(10)
    assert warmer.bytes_read == 4000 + 5000
    monkeypatch.setattr(page_cache, "available_memory", lambda: None)
    unknown = CacheWarmer()
    assert not unknown.start([shard])
    assert not unknown.wait(0) and unknown.bytes_read is None


@pytest.mark.parametrize("warm", [True, False])
def test_serve_reads_the_index_files_after_it_opens_unless_told(
    tmp_path: Path, make_question: MakeQ, warm: bool
) -> None:
    settings = fake_settings(tmp_path / "index", warm_page_cache=warm)
    with SearchService.open(settings) as service:
        service.upsert([make_question(n) for n in range(3)])
    service = open_service(settings)
    try:
        store = service.store
        assert isinstance(store, EdgeStore)
        if not warm:
            assert not store.warmer.wait(0) and store.warmer.bytes_read is None
            return
        assert store.warmer.wait(30)
        files = [
            p for name in ("shard", "heads") for p in (tmp_path / "index" / name / "segments").rglob("*")
        ]
        assert any("heads" in p.parts for p in files)
        assert store.warmer.bytes_read == sum(p.stat().st_size for p in files if p.is_file()) > 0
    finally:
        service.close()


def test_closing_the_index_stops_the_reading(
    tmp_path: Path, make_question: MakeQ, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = fake_settings(tmp_path / "index")
    started = threading.Event()

    def slow_read(paths: list[Path], stop: threading.Event) -> int:
        started.set()
        stop.wait(30)
        return 0 if stop.is_set() else -1

    monkeypatch.setattr(page_cache, "read_into_cache", slow_read)
    with SearchService.open(settings) as service:
        service.upsert([make_question(n) for n in range(3)])
        store = service.store
        assert isinstance(store, EdgeStore)
        store.warm()
        assert started.wait(10)
    assert store.warmer.wait(0)  # closing waited for it
    assert store.warmer.bytes_read == 0  # and it saw the stop
