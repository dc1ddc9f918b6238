"""When servers fail: a 3-node cluster loses a node and still answers; a server that is down, slow
or refuses the key gives one clear line with its URL, and a passing hiccup is retried."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from qdrant_client import QdrantClient
from qdrant_client.http.exceptions import ResponseHandlingException

from semsearch.errors import StoreUnavailableError
from semsearch.service import SearchService
from semsearch.settings import Settings
from semsearch.store.server import ServerStore
from tests.support.congruence import QUERIES, MakeQ, assert_same, corpus, observe
from tests.support.ports import free_port
from tests.support.qdrant import QdrantNode, shared_server, start_cluster, stop_all
from tests.support.settings import fake_settings

pytestmark = pytest.mark.server


def server_settings(url: str, tmp_path: Path, **fields: Any) -> Settings:
    return fake_settings(tmp_path / "edge", qdrant_url=url, **fields)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[QdrantNode]]:
    nodes = start_cluster(tmp_path_factory.mktemp("cluster"), size=3)
    yield nodes
    stop_all(nodes)


def test_a_cluster_answers_with_every_question_when_a_node_is_down(
    cluster: list[QdrantNode], make_question: MakeQ, tmp_path: Path
) -> None:
    questions = corpus(make_question)
    settings = server_settings(
        cluster[0].url, tmp_path, collection="clustered", shard_number=3, replication_factor=2
    )
    with SearchService.open(settings) as svc:
        svc.upsert(questions)
        before = [observe(svc.search(q, limit=20)) for q in QUERIES]
        dense = [observe(svc.search(q, limit=20, mode="dense")) for q in QUERIES]
    # The same as on the embedded engine, in dense mode. BM25's IDF is counted per shard, so on a
    # sharded collection sparse and hybrid scores differ from a single index's (by design).
    with SearchService.open(settings.model_copy(update={"qdrant_url": None})) as edge:
        edge.upsert(questions)
        assert_same([observe(edge.search(q, limit=20, mode="dense")) for q in QUERIES], dense)

    with closing(QdrantClient(url=cluster[0].url, check_compatibility=False)) as client:
        params = client.get_collection("clustered").config.params
        assert (params.shard_number, params.replication_factor) == (3, 2)
    replicas = {}
    for n, node in enumerate(cluster):
        info = httpx.get(f"{node.url}/collections/clustered/cluster", timeout=5).json()["result"]
        replicas[n] = {shard["shard_id"] for shard in info["local_shards"]}
    assert sorted(s for shards in replicas.values() for s in shards) == [0, 0, 1, 1, 2, 2]

    cluster[2].stop(kill=True)  # not the node the client talks to
    with SearchService.open(settings) as svc:
        assert svc.stats().questions == len(questions)
        for q in questions:  # each question's own title finds it first: nothing was lost with the node
            assert svc.search(q.title, limit=1, mode="dense")[0].id == q.qid
        assert_same([observe(svc.search(q, limit=20)) for q in QUERIES], before)


def test_a_server_that_is_down_is_named_in_one_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with SearchService.open(server_settings(url, tmp_path)) as svc:  # opening sends nothing
        with pytest.raises(StoreUnavailableError) as info:
            svc.stats()
    message = str(info.value)
    assert message.startswith(f"cannot reach the Qdrant server at {url}: connection refused")
    assert "3 attempts" in message and "\n" not in message


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers, like a server stuck under load."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in [*held, listener]:
        conn.close()


def test_a_slow_server_times_out_after_one_retry(silent_server: str, tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(
        StoreUnavailableError, match=r"at http://127\.0\.0\.1:\d+: no answer within 1 s.*2 attempts"
    ):
        ServerStore(server_settings(silent_server, tmp_path, qdrant_timeout=1)).ping()
    # It did wait for both attempts (a floor cannot fail on a busy machine; a ceiling belongs to
    # the bench).
    assert time.monotonic() - started >= 2


@pytest.mark.parametrize("status", [200, 404])
def test_a_server_that_is_not_qdrant_is_told(status: int, tmp_path: Path) -> None:
    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"<html>a web page</html>")

        def log_message(self, *args: object) -> None:
            pass

    with ThreadingHTTPServer(("127.0.0.1", 0), Page) as web:
        threading.Thread(target=web.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{web.server_address[1]}"
        with (
            SearchService.open(server_settings(url, tmp_path)) as svc,
            pytest.raises(StoreUnavailableError) as info,
        ):
            svc.stats()
        web.shutdown()
    assert str(info.value) == f"{url} does not answer like a Qdrant server"


def test_a_passing_failure_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = ServerStore(server_settings(shared_server().url, tmp_path, collection="never_created"))
    real_count = store.client.count
    calls: list[str] = []

    def flaky(*args: object, **kwargs: object) -> object:
        calls.append("count")
        if len(calls) == 1:
            raise ResponseHandlingException(httpx.ConnectError("[Errno 111] Connection refused"))
        return real_count(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store.client, "count", flaky)
    assert store.count() == 0 and calls == ["count", "count"]
    assert store.ping() == "1.16.3"


@pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")
def test_a_wrong_api_key_is_told(tmp_path: Path) -> None:
    node = QdrantNode(tmp_path / "keyed").start(QDRANT__SERVICE__API_KEY="the-right-key")
    try:
        settings = server_settings(node.url, tmp_path, qdrant_api_key="a-wrong-key")
        with SearchService.open(settings) as svc, pytest.raises(StoreUnavailableError) as info:
            svc.search("primes")
        assert str(info.value).startswith(
            f"the Qdrant server at {node.url} refused to read the collection: HTTP 401"
        )
        assert str(info.value).endswith("check SEMSEARCH_QDRANT_API_KEY")
        with SearchService.open(settings.model_copy(update={"qdrant_api_key": "the-right-key"})) as svc:
            assert svc.stats().questions == 0
    finally:
        node.stop()
