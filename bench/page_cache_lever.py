"""``python -m bench.levers pagecache``: 8 threads of French searches right after the index opens,
with its files read into the page cache first (as ``serve`` does) or not, each in a fresh
process, alternated: throughput, latency, the disk reads the engine waited for (major page
faults), the cores used and resident memory (``semsearch.store.page_cache``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

WARM_UP = 100

_PAGE_CACHE = """
import json, resource, sys, threading, time
from pathlib import Path
from bench.queries import QueryPool
from semsearch.service import SearchService
from semsearch.settings import Settings
index, warm, first, count = Path(sys.argv[1]), sys.argv[2] == "warm", int(sys.argv[3]), int(sys.argv[4])
service = SearchService.open(Settings(index_path=index, _env_file=None), load_model=True, create=False)
service.embed_query("warm up"); service.embed_whole("warm up")
if warm:
    service.store.warm()
    service.store.warmer.wait()
texts = QueryPool().take(first + count, "fr")[first:]
shares, times = [texts[i::8] for i in range(8)], []
def client(share):
    for text in share:
        begun = time.perf_counter()
        service.search_page(text, 10)
        times.append(time.perf_counter() - begun)
threads = [threading.Thread(target=client, args=(share,)) for share in shares]
before, begun = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
for t in threads: t.start()
for t in threads: t.join()
wall, after = time.perf_counter() - begun, resource.getrusage(resource.RUSAGE_SELF)
wanted = ("VmHWM", "RssAnon", "RssFile")
lines = (line.partition(":") for line in open("/proc/self/status"))
status = {k: int(v.split()[0]) / 1024 for k, _, v in lines if k in wanted}
times.sort()
cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
print(json.dumps({"per_second": count / wall, "p50": times[count // 2], "p99": times[int(count * 0.99)],
                  "disk_reads": (after.ru_majflt - before.ru_majflt) / count, "cores": cpu / wall, **status}))
service.close()
"""


def page_cache(index: Path, queries: int, rounds: int) -> None:
    kinds = ("files read first", "cold")
    seen: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
    for n in range(rounds):
        # Each round its own queries, the same for both: a query met before would find its pages.
        first = WARM_UP + n * queries
        for kind in kinds if n % 2 == 0 else kinds[::-1]:
            args = [str(index), "warm" if kind != "cold" else "cold", str(first), str(queries)]
            out = subprocess.run([sys.executable, "-c", _PAGE_CACHE, *args], capture_output=True, text=True)
            if out.returncode:
                sys.exit(out.stderr.strip().splitlines()[-1])
            seen[kind].append(json.loads(out.stdout))
    print(f"8 threads, {queries} French searches a round, a fresh process each ({rounds} rounds alternated):")
    columns = (
        ("per_second", "{:.1f}", " searches/s; p50 "),
        ("p50", "{:.0f}", " ms; p99 "),
        ("p99", "{:.0f}", " ms; disk reads a search "),
        ("disk_reads", "{:.1f}", "; cores "),
        ("cores", "{:.2f}", "; peak resident "),
        ("VmHWM", "{:,.0f}", " MiB (anonymous "),
        ("RssAnon", "{:,.0f}", ", files "),
        ("RssFile", "{:,.0f}", ")"),
    )
    for kind, runs in seen.items():
        scale = {"p50": 1000, "p99": 1000}
        print(
            f"{kind}: "
            + "".join(
                ", ".join(form.format(r[key] * scale.get(key, 1)) for r in runs) + after
                for key, form, after in columns
            )
        )
