"""``semsearch serve`` in a child process, and its clients.

A run is ``clients`` threads, each with its own HTTP connection, each sending its next request as
soon as the last is answered (a closed loop, as people using the page do), over requests not sent
before in the run. Its throughput is the requests answered / the run's wall time, from the moment
all clients start together to the last answer; its percentiles are over every request's time
from sending to the whole body read (numpy's linear interpolation: p99 of 800 requests lies
between the 792nd and the 793rd fastest).
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench.common import BenchError, Config, child_env, corpus_slice, machine_load, percentiles, tree_memory
from bench.common import semsearch_command as command
from bench.queries import QueryPool
from tests.support.ports import free_port
from tests.support.serve import ServeError, ServeProcess

WARM_UP = 300


def date_filter(config: Config) -> dict[str, str]:
    """A ``from`` date that keeps about half of the real questions (by their months), so that the
    filter has work to do whichever slice of the corpus is indexed (the first 4,000 UK questions
    are all of 2023: a fixed ``from=2024-01-01`` kept none, and timed empty pages)."""
    months = []
    with corpus_slice(config, config.real_questions).open(encoding="utf-8") as lines:
        for line in lines:
            month = json.loads(line).get("month")
            if isinstance(month, str):
                months.append(month)
    if not months:
        return {"from": "2024-01-01"}
    later = sorted(set(months))[1:] or months[:1]
    best = min(later, key=lambda m: abs(sum(x >= m for x in months) / len(months) - 0.5))
    return {"from": f"{best}-01"}


FIRST_QUERY = "/search?q=premi%C3%A8re+question+du+jour&limit=10"


class Server:
    """``semsearch serve`` on a free local port; ``start()`` returns the seconds to its first answer
    to a search (not to /health: the models must be loaded)."""

    def __init__(
        self, config: Config, index: Path, workers: int = 1, qdrant_url: str | None = None, log: str = "serve"
    ) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        port = self.url.rsplit(":", 1)[1]
        args = [*command(), "serve", "--index", str(index), "--host", "127.0.0.1", "--port", port]
        if workers > 1:
            args += ["--workers", str(workers)]
        path = config.workdir / f"{log}.log"
        path.write_bytes(b"")  # this run's log only
        self.process = ServeProcess(args, self.url, path, child_env(config, qdrant_url), config.workdir)

    @property
    def proc(self) -> subprocess.Popen[bytes] | None:
        return self.process.proc

    def start(self, timeout: float = 300) -> float:
        try:
            return self.process.start(FIRST_QUERY, timeout=timeout, poll=0.01)
        except ServeError as exc:
            raise BenchError(str(exc)) from None

    def memory(self) -> dict[str, float]:
        """The server's processes (a parent and its workers), summed."""
        return tree_memory(self.proc.pid) if self.proc is not None else {}

    def stop(self) -> None:
        self.process.stop()


Request = tuple[str, dict[str, Any]]  # path, query parameters


def clients(url: str, requests: list[Request], n: int) -> tuple[list[float], float]:
    """``n`` threads, each sending its share of ``requests`` one after the other; every request's
    seconds and the wall seconds of the whole."""
    shares = [requests[i::n] for i in range(n)]
    times: list[list[float]] = [[] for _ in range(n)]
    errors: list[str] = []
    barrier = threading.Barrier(n + 1)

    def client(k: int) -> None:
        with httpx.Client(timeout=120) as http:
            barrier.wait()
            for path, params in shares[k]:
                started = time.perf_counter()
                try:
                    response = http.get(f"{url}{path}", params=params)
                    if response.status_code != 200:
                        errors.append(f"{path}: {response.status_code} {response.text[:200]}")
                except httpx.HTTPError as exc:
                    errors.append(f"{path}: {exc!r}")
                times[k].append(time.perf_counter() - started)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    if errors:
        raise BenchError(f"{len(errors)} of {len(requests)} requests failed, the first: {errors[0]}")
    return [t for share in times for t in share], wall


@dataclass(frozen=True)
class Run:
    """One measured run: a route, its query language, with the date filter or not, its clients."""

    route: str  # "search" or "related"
    language: str | None
    filtered: bool
    clients: int
    repeated: bool = False
    since: str = ""  # the filter's date
    first: bool = False  # the warm-up: the first requests after the server's start
    paired: bool = False  # one half of a run alternating requests with and without the filter

    @property
    def name(self) -> str:
        what = (
            f"GET /search, {self.language} queries"
            if self.route == "search"
            else "GET /questions/{id}/related"
        )
        extra = f", from={self.since}" if self.filtered else ""
        extra += ", repeated queries (cache)" if self.repeated else ""
        extra += ", the first requests after start (warm-up)" if self.first else ""
        if self.paired:
            extra += (
                ", alternated with the same without it" if self.filtered else ", alternated with the filtered"
            )
        return f"{what}{extra}, {self.clients} client{'s' if self.clients > 1 else ''}"


def search_requests(texts: list[str], flt: dict[str, str] | None = None) -> list[Request]:
    return [("/search", {"q": t, "limit": 10, **(flt or {})}) for t in texts]


def related_requests(ids: list[str]) -> list[Request]:
    return [(f"/questions/{quote(qid, safe='')}/related", {"limit": 10}) for qid in ids]


def _result(run: Run, times: list[float], requests_per_second: float, load: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": run.name,
        **asdict(run),
        **percentiles(times),
        "requests_per_second": round(requests_per_second, 2),
        "load": load,
    }


def measured(url: str, run: Run, requests: list[Request]) -> dict[str, Any]:
    load = machine_load()
    times, wall = clients(url, requests, run.clients)
    return _result(run, times, len(times) / wall, load)


def paired(url: str, flt: dict[str, str], texts: list[str]) -> list[dict[str, Any]]:
    """1 client alternating searches without and with the filter, one request each in turn, each
    half reported apart: the filter's cost on the p50 is then measured in the same minutes (this
    machine's speed drifts from one run to the next)."""
    requests = [
        request
        for plain, dated in zip(search_requests(texts[0::2]), search_requests(texts[1::2], flt), strict=False)
        for request in (plain, dated)
    ]
    load = machine_load()
    times, wall = clients(url, requests, 1)
    return [
        _result(
            Run("search", "fr", filtered, 1, since=flt["from"], paired=True),
            times[filtered::2],
            len(times) / wall,
            load,
        )
        for filtered in (False, True)
    ]


def runs(
    url: str, config: Config, pool: QueryPool, ids: list[str], many: int | None = None
) -> list[dict[str, Any]]:
    """The latency runs: French searches with and without the filter, English searches, each with 1
    and ``many`` clients; related lookups with 1 client; repeated queries with 1 client."""
    many = many or max(config.clients)
    out = [warm_up(url, pool)]
    dated = date_filter(config)
    for language, filtered in (("fr", False), ("fr", True), ("en", False)):
        flt = dated if filtered else None
        for n in sorted({1, many}):
            texts = pool.take(config.requests * n, language)
            run = Run("search", language, filtered, n, since=dated["from"])
            out.append(measured(url, run, search_requests(texts, flt)))
        if language == "fr" and filtered:
            out += paired(url, dated, pool.take(2 * config.requests, "fr"))
    if ids:
        chosen = ids[: config.requests]
        out.append(measured(url, Run("related", None, False, 1), related_requests(chosen)))
    repeated = pool.take(min(config.requests, 20))
    clients(url, search_requests(repeated), 1)
    out.append(measured(url, Run("search", "fr", False, 1, repeated=True), search_requests(repeated * 3)))
    return out


def one_client_runs(url: str, config: Config, pool: QueryPool) -> list[dict[str, Any]]:
    """French searches with 1 client, after a warm-up (the million-passage index): twice the
    requests of the other runs, for its p99."""
    first = warm_up(url, pool)
    texts = pool.take(2 * config.requests)
    return [first, measured(url, Run("search", "fr", False, 1), search_requests(texts))]


def warm_up(url: str, pool: QueryPool) -> dict[str, Any]:
    """The first requests after the server's start, reported apart: the engine answers its first
    few hundred distinct queries slower (on the 400,000-passage index in-process, a French
    search's four signals took 18.6 ms p50 for the queries 100-200 after opening and 10.2 ms for
    the queries 900-1,500), and the targets are a running server's."""
    return measured(url, Run("search", "fr", False, 1, first=True), search_requests(pool.take(WARM_UP)))


def find(
    found: list[dict[str, Any]],
    route: str,
    language: str | None,
    filtered: bool,
    many: bool,
    paired: bool = False,
) -> dict[str, Any]:
    """The run of these attributes (``many``: the most clients), or {} when it was not measured."""
    chosen = [
        r
        for r in found
        if r["route"] == route
        and r["language"] == language
        and r["filtered"] == filtered
        and not r["repeated"]
        and not r.get("first")
        and r.get("paired", False) == paired
        and (r["clients"] > 1) == many
    ]
    return chosen[-1] if chosen else {}
