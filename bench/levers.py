"""What each lever of issue 12's last round is worth, each switched on and off from one query to
the next in one process (so that the machine's drift, ±20 % from one run to the next here, falls
on both alike):

- ``keys``: the ranking's engine queries with the point keys (no payload read) or reading each
  passage's question and position from the engine's payloads, as before;
- ``gate``: whole searches without the pending condition (no write under way) or with it;
- ``onnx``: e5's ONNX session opened from an export with its weights apart (memory-mapped) or
  inside the model file, as before: opening time and resident memory, each in a fresh process;
- ``startup``: where a fresh process's time goes from its start to its first search, each loader
  timed in its thread, and whether e5's tokenizer and the index's opening hold the interpreter
  (how fast a Python loop in another thread runs meanwhile);
- ``pagecache``: 8 threads of French searches right after the index opens, with its files read
  into the page cache first (as ``serve`` does) or not, each in a fresh process, alternated:
  throughput, latency, the disk reads the engine waited for, the cores used, resident memory.

    python -m bench.levers keys /tmp/semsearch-bench/scale-index
    python -m bench.levers gate /tmp/semsearch-bench/scale-index
    python -m bench.levers onnx
    python -m bench.levers startup /tmp/semsearch-bench/scale-index
    python -m bench.levers pagecache /tmp/semsearch-bench/scale-index --queries 520 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.queries import QueryPool

WARM_UP = 100


def _summary(times: dict[str, list[float]]) -> None:
    for kind, values in times.items():
        kept = values[WARM_UP // 2 :]
        print(
            f"{kind}: p50 {1000 * statistics.median(kept):.2f} ms, "
            f"mean {1000 * statistics.mean(kept):.2f} ms ({len(kept)} queries)"
        )


def _alternated(texts: list[str], kinds: dict[str, Callable[[str], Any]]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {k: [] for k in kinds}
    names = list(kinds)
    for n, text in enumerate(texts):
        kind = names[n % len(names)]
        started = time.perf_counter()
        kinds[kind](text)
        times[kind].append(time.perf_counter() - started)
    return times


def _export_folder() -> Path:
    """The default model's ONNX export (made now if it is not in the cache), without loading it."""
    from semsearch.embedding.loader import local_model_source, model_id
    from semsearch.embedding.onnx_export import ensure_export
    from semsearch.settings import Settings

    name = model_id(Settings(_env_file=None).model)  # type: ignore[call-arg]
    source = local_model_source(name)
    if source is None:
        sys.exit(f"the model '{name}' is not a local folder: it has no ONNX export to time")
    return ensure_export(name, source)


def keys(index: Path, queries: int) -> None:
    from semsearch.fanout import Fanout
    from semsearch.filters import SearchFilter
    from semsearch.ranking import gather
    from semsearch.service import SearchService
    from semsearch.settings import Settings
    from semsearch.store import edge

    service = SearchService.open(Settings(index_path=index, _env_file=None), create=False)  # type: ignore[call-arg]
    kinds = {"point keys": edge.KEY_FIELDS, "payloads": ()}
    times: dict[str, list[float]] = {k: [] for k in kinds}
    try:
        for n, text in enumerate(QueryPool().take(WARM_UP + queries, "fr")):
            query = service.text_query(text)
            # Both ways on each query, in turn first: the same scores, and neither always warmer.
            order = list(kinds) if n % 2 else list(kinds)[::-1]
            found = []
            for kind in order:
                edge.KEY_FIELDS = kinds[kind]
                started = time.perf_counter()
                signals = gather(
                    service.store, service.sparse, service.settings, query, SearchFilter(), fanout=Fanout(0)
                )
                times[kind].append(time.perf_counter() - started)
                found.append([(s.name, s.scores) for s in signals.signals])
            assert found[0] == found[1], text
    finally:
        edge.KEY_FIELDS = kinds["point keys"]
    print("the ranking's four engine queries, one after the other (the same scores both ways):")
    _summary(times)


def gate(index: Path, queries: int) -> None:
    from semsearch.service import SearchService
    from semsearch.settings import Settings

    service = SearchService.open(Settings(index_path=index, _env_file=None), create=False)  # type: ignore[call-arg]
    store: Any = service.store
    service.search("warm up", limit=10)

    def searching(open_: bool) -> Callable[[str], Any]:
        def run(text: str) -> Any:
            store._gate._open = open_  # no write runs here: either way is right
            return service.search(text, limit=10)

        return run

    texts = QueryPool().take(WARM_UP + queries, "fr")
    print("whole searches (encodings, ranking, page, labels):")
    _summary(_alternated(texts, {"without the condition": searching(True), "with it": searching(False)}))


_OPEN = """
import json, sys, time
import numpy as np
import onnxruntime as ort
from semsearch.embedding.onnx_encoder import session_options
def rss():
    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmRSS')) / 1024
before = rss()
started = time.perf_counter()
session = ort.InferenceSession(sys.argv[1], session_options(False), providers=['CPUExecutionProvider'])
seconds = time.perf_counter() - started
opened = rss() - before
ids = np.array([[0, 3034, 4154, 6, 2]], dtype=np.int64)  # a short query's tokens
session.run(None, {'input_ids': ids, 'attention_mask': np.ones_like(ids)})
print(json.dumps({'seconds': seconds, 'mib': opened, 'after_query': rss() - before}))
"""


def onnx_open(rounds: int) -> None:
    import onnx

    folder = _export_folder()
    with tempfile.TemporaryDirectory() as scratch:
        inline = Path(scratch) / "model.onnx"
        onnx.save_model(onnx.load(str(folder / "model.onnx")), str(inline))  # weights inside, as before
        files = {"weights apart": folder / "model.onnx", "weights inside": inline}
        seen: dict[str, list[dict[str, float]]] = {k: [] for k in files}
        for _ in range(rounds):
            for kind, path in files.items():
                out = subprocess.run([sys.executable, "-c", _OPEN, str(path)], capture_output=True, text=True)
                seen[kind].append(json.loads(out.stdout))
    print(f"e5's ONNX session, opened in a fresh process, median of {rounds}:")
    for kind, runs in seen.items():
        print(
            f"{kind}: {statistics.median(r['seconds'] for r in runs):.2f} s, "
            f"+{statistics.median(r['mib'] for r in runs):.0f} MiB resident once open, "
            f"+{statistics.median(r['after_query'] for r in runs):.0f} MiB after a query"
        )


_STARTUP = """
import sys, threading, time
started = time.perf_counter()
import api.app, uvicorn
from pathlib import Path
import semsearch.embedding.loader as loader
import semsearch.store.edge as edge
from semsearch.service import SearchService
from semsearch.settings import Settings
spans = [("imports", 0.0, time.perf_counter() - started)]
def timed(name, call):
    def run(*args, **kwargs):
        begun = time.perf_counter() - started
        result = call(*args, **kwargs)
        spans.append((name, begun, time.perf_counter() - started))
        return result
    return run
loader.load_embedder = timed("e5", loader.load_embedder)
loader.load_question_embedder = timed("USE", loader.load_question_embedder)
edge.EdgeStore.__init__ = timed("index", edge.EdgeStore.__init__)
settings = Settings(index_path=Path(sys.argv[1]), _env_file=None)
service = SearchService.open(settings, load_model=True, create=False)  # as serve opens it
service.embed_query("warm up"); service.embed_whole("warm up")
begun = time.perf_counter() - started
service.search_page("premi\u00e8re question du jour", 10)
spans.append(("first search", begun, time.perf_counter() - started))
for name, begin, end in spans:
    print(f"{name:13s} {begin:5.2f} -> {end:5.2f} s ({end - begin:.2f} s)")
"""

_HOLDS = """
import sys, threading, time
def share(load):
    done = []
    thread = threading.Thread(target=lambda: (load(), done.append(1)))
    begun, ticks = time.perf_counter(), 0
    thread.start()
    while not done:
        ticks += 1
    seconds = time.perf_counter() - begun
    begun, free = time.perf_counter(), 0
    while time.perf_counter() - begun < seconds:
        free += 1
    return seconds, 100 * ticks / free
from pathlib import Path
from tokenizers import Tokenizer
import qdrant_edge as qe
from semsearch.embedding.pieces import load_tokens
folder = Path(sys.argv[1])
json_file = str(folder / "tokenizer.json")
for name, load in (("e5's tokenizer (its pieces, sentencepiece)", lambda: load_tokens(folder, 512)),
                   ("e5's tokenizer (tokenizer.json, tokenizers)", lambda: Tokenizer.from_file(json_file)),
                   ("the index's opening", lambda: qe.EdgeShard.load(sys.argv[2]).close())):
    seconds, speed = share(load)
    print(f"{name}: {seconds:.2f} s in a thread; a Python loop beside it ran at {speed:.0f} % of its speed")
"""


def startup(index: Path) -> None:
    print("a fresh process, from its start to its first search (the loaders run in threads):")
    subprocess.run([sys.executable, "-c", _STARTUP, str(index)], check=True)
    folder = _export_folder()
    # The shard is opened directly: no other process may hold the index meanwhile.
    subprocess.run([sys.executable, "-c", _HOLDS, str(folder), str(index / "shard")], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("lever", choices=["keys", "gate", "onnx", "startup", "pagecache"])
    parser.add_argument("index", nargs="?", type=Path, default=Path("/tmp/semsearch-bench/scale-index"))
    parser.add_argument("--queries", type=int, default=1200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.lever == "onnx":
        onnx_open(args.rounds)
    elif not (args.index / "shard").is_dir():
        sys.exit(f"no index in {args.index}: build it with 'python -m bench.run --only floor' first")
    elif args.lever == "keys":
        keys(args.index, args.queries)
    elif args.lever == "startup":
        startup(args.index)
    elif args.lever == "pagecache":
        from bench.page_cache_lever import page_cache

        page_cache(args.index, args.queries, args.rounds)
    else:
        gate(args.index, args.queries)


if __name__ == "__main__":
    main()
