"""The soak of issue 15's second case: ``semsearch serve`` killed with SIGKILL while clients POST
questions concurrently, then restarted and checked.

Each client owns its ids and POSTs batches of them, each question in version 0 or 1 at random
(other texts, other numbers of paragraphs), some never indexed before. A cycle: start the server,
read back every question of the batches the last kill cut (each must be whole: its last
acknowledged version, or the version in flight, or absent if it never was acknowledged), POST those
batches again (the re-run), stop the server, compare every point of the index with what was
acknowledged and run ``semsearch check``; then start it again, let the clients post, and kill it
at a random moment. Shared by ``scripts/crash_soak.py --scenario serve`` and ``tests/test_crash.py``.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from semsearch.service import SearchService
from tests.support.api import API_KEY
from tests.support.crash_runs import cli_check
from tests.support.paths import SEMSEARCH
from tests.support.ports import free_port
from tests.support.serve import ServeProcess
from tests.support.settings import fake_settings

Version = tuple[str, int]  # (question id, version)


def question(qid: str, version: int) -> dict[str, Any]:
    """Version 0 or 1 of a question: other title and texts, other numbers of paragraphs."""
    n = int(qid.rsplit("-", 1)[1])
    paragraphs = 1 + (n + version) % 4
    answers = (n + 2 * version) % 3
    return {
        "id": qid,
        "assembly": "Parlement Wallon",
        "title": f"Version {version} de la question {qid} sur les primes à la rénovation",
        "question": [
            f"Paragraphe {p} de la version {version} de {qid} : les primes tardent."
            for p in range(paragraphs)
        ],
        "answer": [f"Réponse {a} de la version {version} de {qid}." for a in range(answers)],
        "language": "fr",
    }


def expected_texts(qid: str, version: int) -> list[str]:
    q = question(qid, version)
    return sorted([q["title"], *q["question"], *q["answer"]])


@dataclass
class ServeReport:
    cycles: int = 0
    kills: int = 0
    acknowledged: int = 0  # POSTs answered 2xx
    cut: int = 0  # POSTs in flight when the server was killed
    finished_by_recovery: int = 0  # questions of a cut POST found whole in their new version
    checks: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"serve: {self.kills} kills in {self.cycles} cycles, {self.acknowledged} POSTs acknowledged, "
            f"{self.cut} cut by a kill ({self.finished_by_recovery} of their questions found whole in the "
            f"new version), {self.checks} exact checks and {self.checks} 'semsearch check' runs, "
            f"{len(self.failures)} failures, {self.seconds:.0f} s"
        )


class Client:
    """One client's ids, what the server acknowledged for each, and the batch a kill cut."""

    def __init__(self, name: str, ids: int, rng: random.Random) -> None:
        self.ids = [f"{name}-{n}" for n in range(ids)]
        self.rng = rng
        self.acked: dict[str, int] = {}
        self.in_flight: list[Version] = []
        self.posts = 0

    def batch(self) -> list[Version]:
        chosen = self.rng.sample(self.ids, self.rng.randint(1, min(8, len(self.ids))))
        return [(qid, self.rng.randint(0, 1)) for qid in chosen]

    def post(self, http: httpx.Client, base: str, batch: list[Version]) -> bool:
        """True when acknowledged; False (the batch left in flight) when the server went away."""
        self.in_flight = batch
        try:
            response = http.post(
                f"{base}/questions", json=[question(q, v) for q, v in batch], headers={"X-API-Key": API_KEY}
            )
        except httpx.TransportError:
            return False
        if response.status_code not in (200, 201):
            raise AssertionError(f"POST answered {response.status_code}: {response.text[:300]}")
        self.acked.update(batch)
        self.in_flight = []
        self.posts += 1
        return True

    def run(self, base: str, stop: threading.Event) -> None:
        with httpx.Client(timeout=30) as http:
            while not stop.is_set() and self.post(http, base, self.batch()):
                pass


def _env(model: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEMSEARCH_")}
    env.update(SEMSEARCH_MODEL=model, SEMSEARCH_API_KEY=API_KEY, SEMSEARCH_RATE_LIMIT_PER_SECOND="0")
    return env


def _server(workdir: Path, index: Path, model: str) -> ServeProcess:
    port = free_port()
    args = [str(SEMSEARCH), "serve", "--index", str(index), "--port", str(port)]
    return ServeProcess(args, f"http://127.0.0.1:{port}", workdir / "serve.log", _env(model))


def _after_the_kill(base: str, clients: list[Client], report: ServeReport) -> list[str]:
    """Each question of a cut batch is whole: its acknowledged version, the one in flight, or absent."""
    problems = []
    with httpx.Client(timeout=30) as http:
        for client in clients:
            for qid, version in client.in_flight:
                response = http.get(f"{base}/questions/{qid}")
                allowed = {version, client.acked.get(qid)}
                if response.status_code == 404:
                    if None not in allowed:
                        problems.append(f"{qid}: acknowledged, then lost")
                    continue
                q = response.json()
                texts = sorted([q["title"], *q["question"], *q["answer"]])
                found = [v for v in allowed if v is not None and texts == expected_texts(qid, v)]
                if not found:
                    problems.append(
                        f"{qid}: after the kill, neither version {sorted(map(str, allowed))} whole"
                    )
                report.finished_by_recovery += found == [version] and client.acked.get(qid) != version
    return problems


def _exact(index: Path, clients: list[Client], model: str) -> list[str]:
    """Every point of the index against what was acknowledged, then 'semsearch check'."""
    expected = {qid: v for client in clients for qid, v in client.acked.items()}
    stored: dict[str, list[str]] = {}
    with SearchService.open(fake_settings(index, model=model)) as service:
        for page in service.store.points():
            for point in page:
                stored.setdefault(str(point.payload["question_id"]), []).append(point.payload["text"])
    problems = [f"{qid}: in the index, never acknowledged" for qid in sorted(set(stored) - set(expected))]
    for qid, version in sorted(expected.items()):
        if sorted(stored.get(qid, [])) != expected_texts(qid, version):
            problems.append(f"{qid}: not exactly version {version}")
    return problems + cli_check(index, model)


def _rerun_and_check(
    workdir: Path, index: Path, team: list[Client], model: str, report: ServeReport
) -> list[str]:
    """Restart the server, read back what the kill cut, POST it again, stop, check everything."""
    server = _server(workdir, index, model)
    server.start()
    problems = _after_the_kill(server.url, team, report)
    with httpx.Client(timeout=30) as http:
        for client in team:
            if client.in_flight and not client.post(http, server.url, client.in_flight):
                problems.append("the restarted server went away")
    server.stop()
    report.checks += 1
    return problems + _exact(index, team, model)


def _post_and_kill(workdir: Path, index: Path, team: list[Client], model: str, after: float) -> int:
    """Start the server, let the clients POST, SIGKILL it after ``after`` seconds; returns how
    many POSTs were in flight."""
    server = _server(workdir, index, model)
    server.start()
    stop = threading.Event()
    threads = [threading.Thread(target=c.run, args=(server.url, stop)) for c in team]
    for thread in threads:
        thread.start()
    time.sleep(after)
    assert server.proc is not None
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    stop.set()
    for thread in threads:
        thread.join()
    return sum(bool(c.in_flight) for c in team)


def soak_serve(
    workdir: Path,
    kills: int,
    clients: int = 4,
    ids_per_client: int = 40,
    model: str = "fake",
    seed: int = 7,
    log: Callable[[str], None] = print,
) -> ServeReport:
    started = time.perf_counter()
    rng = random.Random(seed)
    index = workdir / "index"
    report = ServeReport()
    team = [Client(f"c{n}", ids_per_client, random.Random(rng.random())) for n in range(clients)]
    while True:
        report.cycles += 1
        problems = _rerun_and_check(workdir, index, team, model, report)
        report.failures += [f"cycle {report.cycles}: {p}" for p in problems]
        if report.kills == kills:
            log(f"cycle {report.cycles:>2}: {'exact' if not problems else 'FAILED'} (the last re-run)")
            break
        cut = _post_and_kill(workdir, index, team, model, rng.uniform(0.2, 2.0))
        report.kills += 1
        report.cut += cut
        log(
            f"cycle {report.cycles:>2}: {'exact' if not problems else 'FAILED'}; then killed with {cut} "
            f"POSTs in flight ({sum(c.posts for c in team)} acknowledged so far)"
        )
    report.acknowledged = sum(c.posts for c in team)
    report.seconds = time.perf_counter() - started
    return report
