"""The benchmark's Markdown report (``bench/results/latest.md``) from its results."""

from __future__ import annotations

from typing import Any

from bench.report import compared, figures


def _fmt(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _load(load: dict[str, Any]) -> str:
    return f"{load['load_average']} (CPU pressure {load['cpu_pressure_avg10']} %)"


def _table(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| target | measured | limit | ratio | met |", "| --- | ---: | ---: | ---: | :---: |"]
    for r in rows:
        met = "yes" if r["met"] else "**no**"
        ratio = f"{r['ratio']:.2f} ({r['direction']} 1)" if r["ratio"] is not None else "—"
        measured = (
            f"{_fmt(r['measured'])} {r['unit']}" if r["measured"] is not None else r["note"] or "not measured"
        )
        if r["note"] and r["measured"] is not None:
            measured += f" ({r['note']})"
        lines.append(
            f"| {r['target']} | {measured} | {r['direction']} {_fmt(r['limit'])} | {ratio} | {met} |"
        )
    return lines


def _head(results: dict[str, Any]) -> list[str]:
    m = results["machine"]
    return [
        "# semsearch benchmark",
        "",
        f"`{results['command']}` — {results['started']}, {results['seconds']:.0f} s"
        + (" (quick mode: sizes far below the targets' scale)" if results["quick"] else ""),
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['system']}, "
        f"Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
        + f". Load at start {_load(results['load_start'])}, at end {_load(results['load_end'])}.",
        f"Model `{results['model']}` (and its question model), encoder setting `{results['encoder']}`. "
        "The targets are measured with French queries on UK data (a cross-language search: e5 and USE "
        "encodings, four engine signals).",
    ]


def _runs_table(title: str, runs: list[dict[str, Any]]) -> list[str]:
    lines = [
        "",
        f"### {title}",
        "",
        "| run | n | p50 | p95 | p99 | mean | req/s | CPU pressure before |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        lines.append(
            f"| {r['name']} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['mean']:.1f} "
            f"| {r['requests_per_second']} | {r['load']['cpu_pressure_avg10']} % |"
        )
    return lines


def _floor(fl: dict[str, Any], title: str = "The floor (in-process)") -> list[str]:
    lines = [
        "",
        f"## {title}",
        "",
        f"Index opened and models loaded in {fl['open_and_load_seconds']} s.",
        "",
        "| queries | requests | engine queries / search | encodings / search | not replayed / search "
        "| bare encoding p50 (per model; sum) | floor F, 8 threads | 1 thread |",
        "| --- | ---: | ---: | ---: | --- | --- | ---: | ---: |",
    ]
    for language in ("fr", "en"):
        if language not in fl:
            continue
        x, shape, bare = fl[language], fl[language]["shape"], fl[language]["bare_encoding_ms"]
        models = "; ".join(
            f"{k} {v['p50']:.1f} ms" for k, v in bare.items() if isinstance(v, dict) and k != "sum"
        )
        other = ", ".join(f"{k} {v}" for k, v in shape["not_replayed_per_search"].items())
        lines.append(
            f"| {language} | {x['requests']} | {shape['engine_queries_per_search']} | "
            f"{shape['encodings_per_search']} | {other} | {models}; sum {bare['sum']['p50']:.1f} ms | "
            f"{x['floor']['requests_per_second']} req/s (p50 {x['floor']['latency_ms']['p50']:.1f} ms) | "
            f"{x['one_thread']['requests_per_second']} req/s |"
        )
    return lines


def _indexing(ix: dict[str, Any]) -> list[str]:
    bare, index, runs = ix["bare"], ix["index"], ix["runs"]
    per_model = ", ".join(f"{k} {v} s" for k, v in bare["seconds_per_model"].items())
    return [
        "",
        f"## Indexing ({ix['corpus']})",
        "",
        "| | passages | seconds | passages/s | peak memory |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| bare encoders ({per_model}) | {bare['passages']:,} | {bare['seconds']} "
        f"| {bare['passages_per_second']} | |",
        f"| `semsearch index` (its summary) | {index['passages']:,} | {index['seconds']} "
        f"| {index['passages_per_second']} | {index['peak_rss_mib']} MiB |",
        f"| `semsearch index` (process wall time) | | {index['wall_seconds']} "
        f"| {index['wall_passages_per_second']} | |",
        "",
        f"Ratio {ix['ratio']:.1%}, best of {len(runs['bare_passages_per_second'])} alternated runs "
        f"each: bare {runs['bare_passages_per_second']} (spread {runs['bare_spread']:.1%}), index "
        f"{runs['index_passages_per_second']} (spread {runs['index_spread']:.1%}); each pair's ratio "
        f"{runs['pair_ratios']}.",
    ]


def _index_line(name: str, ix: dict[str, Any]) -> str:
    return (
        f"- {name}: {ix['passages']:,} passages of {ix['questions']:,} questions, **{ix['real_passages']:,} "
        f"passages ({ix['real_questions']:,} questions) real**, the rest {ix['copy_rounds']} rounds of "
        f"copies (noise {ix['copy_noise']}); {ix['index_mib']:,} MiB on disk "
        f"({ix['index_allocated_mib']:,} MiB allocated); filled in {ix['fill_seconds']} s, "
        f"optimised in {ix['optimise_seconds']} s" + (" (reused)" if ix.get("reused") else "") + "."
    )


def _indexes(results: dict[str, Any]) -> list[str]:
    lines = ["", "## Indexes", ""]
    real = results.get("scale", {}).get("real")
    if real:
        lines.append(
            f"- real: {real['questions']:,} UK questions, {real['passages']:,} passages, embedded by "
            f"`semsearch index` at {real['passages_per_second']} passages/s"
            + (" (reused)" if real["reused"] else "")
        )
    for key, name in (("store", "store scale"),):
        if results.get("scale", {}).get(key):
            lines.append(_index_line(name, results["scale"][key]))
    for key, name in (("million", "million"), ("duplicates", "duplicates")):
        if isinstance(results.get(key), dict) and "passages" in results[key]:
            lines.append(_index_line(name, results[key]))
    return lines


def _latency(results: dict[str, Any]) -> list[str]:
    lines: list[str] = ["", "## Latency (ms)"]
    server = results.get("latency", {}).get("server")
    if server:
        lines += _runs_table("Edge, `semsearch serve` (1 worker)", server["runs"])
        lines += [
            "",
            f"First answer {server['first_answer_seconds']} s after start (the index's files evicted from the"
            f" page cache before); memory "
            f"{server['memory']['rss_mib']:,} MiB resident, {server['memory']['peak_rss_mib']:,} MiB peak"
            + _memory_parts(server["memory"])
            + ".",
        ]
        for key, what in (
            ("cli_without_server", "no server"),
            ("cli_with_server", "serve holding the index"),
        ):
            cli = results["latency"].get(key) or server.get(key) or {}
            first = (
                f" (the first, {cli['first_seconds']} s, after the index's files were evicted from the page"
                " cache; the median is of the others)"
                if "first_seconds" in cli
                else ""
            )
            lines.append(
                f"Cold `semsearch search`, {what}: {cli.get('median_seconds', '—')} s median of "
                f"{cli.get('seconds')}{first}"
                + (f"; failed: {cli['failed']}" if "failed" in cli else "")
                + "."
            )
    qdrant = results.get("qdrant") or {}
    if qdrant.get("runs"):
        lines += _runs_table(
            f"Qdrant {qdrant['version']}, `semsearch serve --workers {qdrant['workers']}`", qdrant["runs"]
        )
        mig = qdrant["migration"]
        lines += [
            "",
            f"Migration {mig.get('migrate_seconds', '—')} s"
            + (" (reused)" if mig["reused"] else "")
            + f"; optimiser wait {mig['optimise_wait_seconds']} s; Qdrant's memory "
            f"{qdrant['qdrant_memory']['rss_mib']:,} MiB resident.",
        ]
    million = results.get("million") or {}
    if million.get("runs"):
        lines += _runs_table(
            f"Million-passage Edge index ({million['passages']:,} passages)", million["runs"]
        )
    return lines


def markdown(results: dict[str, Any]) -> str:
    lines = _head(results) + ["", "## Targets", ""] + _table(results["targets"])
    other = compared(results)
    if other:
        lines += ["", "## Compared (the same formulas; not targets)", ""] + _table(other)
    lines += ["", "## Figures", "", "| figure | value |", "| --- | ---: |"]
    lines += [f"| {name} | {_fmt(value)} {unit} |" for name, value, unit in figures(results)]
    if "indexing" in results:
        lines += _indexing(results["indexing"])
    lines += _indexes(results)
    if "floor" in results:
        lines += _floor(results["floor"])
    if "floor_after" in results:
        lines += _floor(results["floor_after"], "The floor again, after the latency runs (the same queries)")
    lines += _latency(results)
    duplicates = results.get("duplicates")
    if duplicates:
        lines += [
            "",
            "## Duplicates",
            "",
            f"`semsearch duplicates` over {duplicates['questions']:,} questions: "
            f"{duplicates['seconds']} s, peak {duplicates['peak_rss_mib']} MiB; it said: "
            f"{duplicates['summary']}",
        ]
    skipped = results.get("skipped", {})
    if skipped:
        lines += ["", "## Not measured", ""] + [f"- {part}: {why}" for part, why in skipped.items()]
    return "\n".join(lines) + "\n"


def _memory_parts(memory: dict[str, Any]) -> str:
    """What the resident memory is made of, when measured (older results lack it)."""
    if "anon_mib" not in memory:
        return ""
    return (
        f" (resident: {memory['anon_mib']:,} MiB anonymous, {memory['file_mib']:,} MiB of mapped files:"
        " the index's pages in the page cache, which the system takes back when it needs memory)"
    )
