"""Query latency on the store-scale index: the bare encoder, a cold ``semsearch search``, and
``GET /search`` on ``semsearch serve`` (cold start, 1 and N concurrent clients, with and without a
filter, resident memory).

Every request carries a query text not sent before in the run, so a query-embedding cache in
the service cannot make the figures look better than a stream of new queries; one pass of
repeated queries is measured apart to show what the cache gives.
"""

from __future__ import annotations

import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    BenchError,
    Config,
    child_env,
    encoder_label,
    load_encoder,
    machine_load,
    percentiles,
    run_child,
)
from bench.common import semsearch_command as command
from bench.queries import distinct_queries
from tests.support.ports import free_port
from tests.support.serve import ServeError, ServeProcess

WARM_UP = 20
FILTERS: dict[str, dict[str, str]] = {"none": {}, "from=2024-01-01": {"from": "2024-01-01"}}


def bare_query_encoding(config: Config, queries: list[str]) -> dict[str, Any]:
    embedder = load_encoder(config)
    for text in queries[:WARM_UP]:
        embedder.embed_query(text)
    load = machine_load()
    times = []
    for text in queries:
        started = time.perf_counter()
        embedder.embed_query(text)
        times.append(time.perf_counter() - started)
    return {"encoder": encoder_label(embedder), **percentiles(times), "load": load}


def cold_cli(config: Config, index: Path, queries: list[str]) -> dict[str, Any]:
    """``semsearch search "…"`` in a new process each time: the wall time to its printed results."""
    times = []
    for text in queries[: config.cli_runs]:
        run = run_child([*command(), "search", "--index", str(index), "-n", "10", text], config, timeout=120)
        if run.returncode != 0:
            raise BenchError(f"semsearch search failed ({run.returncode}): {run.stderr.strip()[-500:]}")
        times.append(run.seconds)
    return {
        "runs": len(times),
        "median_seconds": round(statistics.median(times), 3),
        "seconds": [round(t, 3) for t in times],
    }


def _memory(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            fields[key] = round(int(value.split()[0]) / 1024, 1)  # kB -> MiB
    return {"rss_mib": fields.get("VmRSS", 0.0), "peak_rss_mib": fields.get("VmHWM", 0.0)}


class Server:
    """``semsearch serve`` on a free local port; ``start()`` returns the seconds to its first answer."""

    def __init__(self, config: Config, index: Path) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        port = self.url.rsplit(":", 1)[1]
        args = [*command(), "serve", "--index", str(index), "--host", "127.0.0.1", "--port", port]
        log = config.workdir / "serve.log"
        log.write_bytes(b"")  # this run's log only
        self.process = ServeProcess(args, self.url, log, child_env(config), config.workdir)

    @property
    def proc(self) -> subprocess.Popen[bytes] | None:
        return self.process.proc

    def start(self, timeout: float = 180) -> float:
        # The first answer to a search, not to /health: the model must be loaded.
        try:
            return self.process.start("/search?q=first+query&limit=10", timeout=timeout, poll=0.01)
        except ServeError as exc:
            raise BenchError(str(exc)) from None

    def stop(self) -> None:
        self.process.stop()


def _clients(url: str, queries: list[str], clients: int, params: dict[str, str]) -> list[float]:
    """``clients`` threads, each sending its share of ``queries`` one after the other."""
    shares = [queries[i::clients] for i in range(clients)]
    times: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    barrier = threading.Barrier(clients)

    def client(n: int) -> None:
        with httpx.Client(timeout=60) as http:
            barrier.wait()
            for text in shares[n]:
                started = time.perf_counter()
                response = http.get(f"{url}/search", params={"q": text, "limit": 10, **params})
                times[n].append(time.perf_counter() - started)
                if response.status_code != 200:
                    errors.append(f"{response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise BenchError(f"{len(errors)} requests failed, the first: {errors[0]}")
    return [t for share in times for t in share]


def serve_and_query(config: Config, index: Path, queries: list[str]) -> dict[str, Any]:
    server = Server(config, index)
    try:
        result: dict[str, Any] = {"cold_start_seconds": round(server.start(), 3)}
        assert server.proc is not None
        result["memory_after_start"] = _memory(server.proc.pid)
        pool = iter(queries)
        _clients(server.url, [next(pool) for _ in range(WARM_UP)], 1, {})
        runs: dict[str, Any] = {}
        for label, params in FILTERS.items():
            for clients in config.clients:
                batch = [next(pool) for _ in range(config.requests * clients)]
                load = machine_load()
                started = time.perf_counter()
                times = _clients(server.url, batch, clients, params)
                wall = time.perf_counter() - started
                stats = {
                    **percentiles(times),
                    "requests_per_second": round(len(times) / wall, 1),
                    "load": load,
                }
                runs[f"{clients} client{'s' if clients > 1 else ''}, filter {label}"] = stats
        repeated = queries[:WARM_UP]  # already sent: a cache, if any, answers these
        runs["1 client, repeated queries"] = percentiles(_clients(server.url, repeated * 3, 1, {}))
        result["runs"] = runs
        result["memory"] = _memory(server.proc.pid)
        return result
    finally:
        server.stop()


def measure(config: Config) -> dict[str, Any]:
    index = config.workdir / "scale-index"
    needed = WARM_UP + config.requests * sum(config.clients) * len(FILTERS) + 10
    queries = distinct_queries(needed)
    bare = bare_query_encoding(config, queries[: max(config.requests, 50)])
    cli = cold_cli(config, index, queries[-config.cli_runs :])
    served = serve_and_query(config, index, queries)
    return {"bare_query_encoding_ms": bare, "cold_cli_search": cli, "server": served}
