"""Load test: N concurrent clients for D seconds on ``/search`` and ``/questions/{id}/related``.

    .venv/bin/python scripts/load_test.py [--clients 50] [--duration 60] [--model fake]
                                          [--corpus samples/ | --index PATH | --url URL] [--json]

Without ``--url`` it starts ``semsearch serve`` itself on a free port of 127.0.0.1, on ``--index``
(or on a new index of ``--corpus``, the sample corpus by default), with the rate limit off
(``SEMSEARCH_RATE_LIMIT_PER_SECOND=0``), and stops it at the end. The clients run here, in
another process than the server: each has its own connection and sends, one after the other,
searches (French queries, most of them new to the server, sometimes with a filter) and
related-questions requests (ids taken from the search results). It reports requests, errors (any
non-2xx answer or exception), latency percentiles and throughput, and exits 1 on any error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the project's packages come from the checkout
    sys.path.insert(0, str(ROOT))

from semsearch.settings import DEFAULT_MODEL  # noqa: E402
from tests.support.paths import SEMSEARCH  # noqa: E402
from tests.support.ports import free_port  # noqa: E402
from tests.support.serve import ServeError, ServeProcess  # noqa: E402

QUERIES = [
    "retards de paiement des primes à la rénovation",
    "délai de traitement des dossiers de primes énergie",
    "parcs éoliens et riverains en Ardenne",
    "sécurité des cyclistes sur les routes régionales",
    "indemnisation des sinistrés des inondations de juillet",
    "relogement des familles sinistrées",
    "pénurie d'enseignants dans l'enseignement secondaire",
    "repas bio dans les cantines scolaires",
    "bien-être animal dans les élevages intensifs",
    "refuges pour animaux abandonnés et adoption",
    "qualité de l'air aux abords des écoles",
    "maisons de repos et reste à charge des résidents",
    "stratégie numérique des entreprises wallonnes",
    "aides au numérique pour les PME",
    "transport scolaire des enfants à besoins spécifiques",
    "fermeture des bureaux de poste en zone rurale",
    "captages d'eau potable et nitrates",
    "gestion des déchets de construction et recyclage",
    "logements publics inoccupés",
    "titres-services et aides à domicile",
    "Monsieur le Ministre peut-il m'indiquer le calendrier des travaux ?",
    "Quel budget est prévu pour la rénovation des bâtiments scolaires ?",
    "subsides aux communes pour l'entretien des voiries",
    "photovoltaïque et tarif de réseau",
    "contrôle des chantiers subsidiés",
]
# Words added to the queries, so that most queries are new to the server (a query cache would
# otherwise turn the test into one of its hit rate).
EXTRA_WORDS = (
    "wallonne communes délais budget subsides riverains calendrier évaluation ménages région "
    "administration dossiers recours contrôle financement rapport chiffres Namur Liège Charleroi "
    "Mons Arlon ministre gouvernement concertation réforme plan"
).split()
FILTERS: list[dict[str, str]] = [
    {},
    {},
    {},
    {"answered": "true"},
    {"answered": "false"},
    {"before": "2023-01-01"},
    {"from": "2020-01-01", "to": "2024-12-31"},
    {"limit": "5"},
    {"limit": "20", "offset": "10"},
]


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"search": [], "related": []})
    errors: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    queries: set[str] = field(default_factory=set)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values()) + sum(self.errors.values())

    def error(self, kind: str, what: str) -> None:
        self.errors[f"{kind}: {what}"] += 1
        if len(self.examples) < 5:
            self.examples.append(f"{kind}: {what}")


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1) of ``values``, in the values' unit."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


async def client(
    number: int, base: str, deadline: float, ids: list[str], results: Results, seed: int
) -> None:
    """One client: its own connection, one request after another until the deadline."""
    rng = random.Random(seed * 1000 + number)
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        while time.perf_counter() < deadline:
            related = bool(ids) and rng.random() < 0.4
            if related:
                kind, url = "related", f"/questions/{rng.choice(ids)}/related"
                params: dict[str, str] = {"limit": str(rng.choice([3, 5, 10]))}
            else:
                kind, url = "search", "/search"
                words = rng.sample(EXTRA_WORDS, rng.choice([0, 1, 2, 3]))
                query = " ".join([rng.choice(QUERIES), *words])
                params = {"q": query, **rng.choice(FILTERS)}
                results.queries.add(query)
            started = time.perf_counter()
            try:
                response = await http.get(url, params=params)
            except httpx.HTTPError as exc:
                results.error(kind, f"{type(exc).__name__} {exc}"[:200])
                continue
            elapsed = time.perf_counter() - started
            if not 200 <= response.status_code < 300:
                results.error(kind, f"{response.status_code} {response.text[:150]}")
                continue
            results.latencies[kind].append(elapsed)
            if kind == "search" and len(ids) < 500:
                ids.extend(hit["id"] for hit in response.json()["results"] if hit["id"] not in ids)


async def load(base: str, clients: int, duration: float, seed: int) -> Results:
    results = Results()
    ids: list[str] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:  # a first id or two for 'related'
        try:
            response = await http.get("/search", params={"q": QUERIES[0], "limit": "10"})
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise SystemExit(f"{base} does not answer a search: {type(exc).__name__}: {exc}") from None
        ids.extend(hit["id"] for hit in response.json()["results"])
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(*(client(n, base, deadline, ids, results, seed) for n in range(clients)))
    results.seconds = time.perf_counter() - started
    return results


# -- the server -----------------------------------------------------------------------------------
def server_env(model: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEMSEARCH_")}
    env.update(SEMSEARCH_MODEL=model, SEMSEARCH_RATE_LIMIT_PER_SECOND="0")
    return env


@contextmanager
def serving(index: Path, model: str, startup_timeout: float = 180) -> Iterator[str]:
    """``semsearch serve`` on a free loopback port; yields its base URL; Ctrl-C at the end."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [str(SEMSEARCH), "serve", "--index", str(index), "--host", "127.0.0.1", "--port", str(port)]
    with tempfile.TemporaryDirectory(prefix="load-test-serve-") as tmp:
        server = ServeProcess(args, base, Path(tmp) / "serve.log", server_env(model))
        try:
            server.start(timeout=startup_timeout, poll=0.2)
        except ServeError as exc:
            raise SystemExit(str(exc)) from None
        try:
            yield base
        finally:
            server.stop()


def build_index(corpus: Path, index: Path, model: str) -> None:
    done = subprocess.run(
        [str(SEMSEARCH), "index", "--index", str(index), str(corpus)],
        env=server_env(model),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"indexing {corpus} failed: {done.stderr.strip()[-1000:]}")


# -- the report -----------------------------------------------------------------------------------
def report(results: Results, clients: int) -> dict[str, object]:
    everything = [t for values in results.latencies.values() for t in values]
    data: dict[str, object] = {
        "clients": clients,
        "seconds": round(results.seconds, 1),
        "requests": results.requests,
        "errors": sum(results.errors.values()),
        "throughput_per_second": round(results.requests / results.seconds, 1) if results.seconds else 0.0,
        "distinct_queries": len(results.queries),
    }
    for kind, values in [("all", everything), *results.latencies.items()]:
        data[kind] = {
            "requests": len(values),
            **{f"p{p}_ms": round(percentile(values, p / 100) * 1000, 1) for p in (50, 95, 99)},
            "max_ms": round(max(values) * 1000, 1) if values else None,
        }
    if results.examples:
        data["error_examples"] = results.examples
    return data


def _print(data: dict[str, object]) -> None:
    print(
        f"{data['clients']} clients, {data['seconds']} s: {data['requests']} requests, "
        f"{data['errors']} errors, {data['throughput_per_second']} requests/s, "
        f"{data['distinct_queries']} distinct queries"
    )
    for kind in ("all", "search", "related"):
        row = data[kind]
        assert isinstance(row, dict)
        print(
            f"  {kind:<8} {row['requests']:>7} requests  p50 {row['p50_ms']} ms  p95 {row['p95_ms']} ms  "
            f"p99 {row['p99_ms']} ms  max {row['max_ms']} ms"
        )
    examples = data.get("error_examples", [])
    for example in examples if isinstance(examples, list) else []:
        print(f"  error: {example}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    parser.add_argument("--url", help="a running server instead of starting one")
    parser.add_argument("--index", type=Path, help="serve this existing index")
    parser.add_argument(
        "--corpus", type=Path, default=ROOT / "samples", help="index this first (default samples/)"
    )
    parser.add_argument("--model", default=os.environ.get("SEMSEARCH_MODEL", DEFAULT_MODEL))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if args.url:
        results = asyncio.run(load(args.url.rstrip("/"), args.clients, args.duration, args.seed))
    else:
        with tempfile.TemporaryDirectory(prefix="load-test-") as tmp:
            index = args.index
            if index is None:
                index = Path(tmp) / "index"
                build_index(args.corpus, index, args.model)
            with serving(index, args.model) as base:
                results = asyncio.run(load(base, args.clients, args.duration, args.seed))
    data = report(results, args.clients)
    data["model"] = args.model if not args.url else None
    if args.json:
        print(json.dumps(data))
    else:
        _print(data)
    return 1 if results.errors or not results.requests else 0


if __name__ == "__main__":
    sys.exit(main())
