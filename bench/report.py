"""The benchmark's verdicts against the targets, and its Markdown summary."""

from __future__ import annotations

from typing import Any

MIN_PASSAGES = 400_000


def _run(results: dict[str, Any], clients: int, label: str) -> dict[str, Any]:
    runs = results.get("latency", {}).get("server", {}).get("runs", {})
    return dict(runs.get(f"{clients} client{'s' if clients > 1 else ''}, filter {label}", {}))


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per target of the issue: what was measured, the limit, and whether it holds."""
    rows: list[dict[str, Any]] = []

    def add(name: str, value: float | None, limit: float, unit: str, lower_is_better: bool = True) -> None:
        if value is None:
            return
        ok = bool(value <= limit if lower_is_better else value >= limit)
        rows.append(
            {"target": name, "measured": round(value, 3), "limit": round(limit, 3), "unit": unit, "met": ok}
        )

    latency = results.get("latency", {})
    bare = latency.get("bare_query_encoding_ms", {}).get("p50")
    one, one_f = _run(results, 1, "none"), _run(results, 1, "from=2024-01-01")
    many = max((int(k.split()[0]) for k in latency.get("server", {}).get("runs", {})), default=1)
    eight, eight_f = _run(results, many, "none"), _run(results, many, "from=2024-01-01")
    if bare is not None and "p50" in one:
        add("search p50, 1 client (<= 1.5 x bare encoding + 10 ms)", one["p50"], 1.5 * bare + 10, "ms")
    if "p99" in eight:
        add(f"search p99, {many} clients", eight["p99"], 100, "ms")
        if "p99" in eight_f:
            add(f"search p99, {many} clients, with a filter", eight_f["p99"], 100, "ms")
    if "p50" in one and "p50" in one_f:
        add("filter cost, p50, 1 client", 100 * (one_f["p50"] / one["p50"] - 1), 20, "%")
    if "p50" in eight and "p50" in eight_f:
        add(f"filter cost, p50, {many} clients", 100 * (eight_f["p50"] / eight["p50"] - 1), 20, "%")
    cli = latency.get("cold_cli_search", {}).get("median_seconds")
    add("cold `semsearch search` to printed results (median)", cli, 1.5, "s")
    server = latency.get("server", {})
    add("`semsearch serve` start to first answer", server.get("cold_start_seconds"), 3, "s")
    add("server peak memory (VmHWM)", server.get("memory", {}).get("peak_rss_mib"), 2048, "MiB")
    ratio = results.get("indexing", {}).get("ratio")
    if ratio is not None:
        add("indexing throughput / bare encoder", 100 * ratio, 90, "%", lower_is_better=False)
    passages = results.get("scale", {}).get("passages")
    add("passages in the store-scale index", passages, MIN_PASSAGES, "passages", lower_is_better=False)
    return rows


def _fmt(value: Any) -> str:
    return (
        f"{value:,.1f}"
        if isinstance(value, float)
        else f"{value:,}"
        if isinstance(value, int)
        else str(value)
    )


def _load(load: dict[str, Any]) -> str:
    return f"{load['load_average']} (CPU pressure {load['cpu_pressure_avg10']} %)"


def markdown(results: dict[str, Any]) -> str:
    lines = _head(results)
    sections = (("indexing", _indexing), ("scale", _scale), ("latency", _latency))
    for key, section in sections:
        if key in results:
            lines += section(results[key])
    return "\n".join(lines) + "\n"


def _head(results: dict[str, Any]) -> list[str]:
    """The run, the machine and the targets' table."""
    m = results["machine"]
    lines = [
        "# semsearch benchmark",
        "",
        f"`{results['command']}` — {results['started']}, {results['seconds']:.0f} s"
        + (" (quick mode: sizes far below the targets' scale)" if results["quick"] else ""),
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['system']}, "
        f"Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
        + f". Load at start {_load(results['load_start'])}, at end {_load(results['load_end'])}.",
        f"Model `{results['model']}`, encoder setting `{results['encoder']}`.",
        "",
        "## Targets",
        "",
        "| target | measured | limit | met |",
        "| --- | ---: | ---: | :---: |",
    ]
    for row in results["targets"]:
        mark = "yes" if row["met"] else "**no**"
        lines.append(
            f"| {row['target']} | {_fmt(row['measured'])} {row['unit']} | {_fmt(row['limit'])} | {mark} |"
        )
    return lines


def _indexing(ix: dict[str, Any]) -> list[str]:
    bare, index = ix["bare"], ix["index"]
    return [
        "",
        f"## Indexing ({ix['corpus']})",
        "",
        "| | passages | seconds | passages/s | peak memory |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| bare encoder ({bare['encoder']}) | {bare['passages']:,} | {bare['seconds']} "
        f"| {bare['passages_per_second']} | |",
        f"| `semsearch index` (its summary) | {index['passages']:,} | {index['seconds']} "
        f"| {index['passages_per_second']} | {index['peak_rss_mib']} MiB |",
        f"| `semsearch index` (process wall time) | | {index['wall_seconds']} "
        f"| {index['wall_passages_per_second']} | |",
        "",
        f"Ratio (summary): {ix['ratio']:.1%}. The best of {len(ix['runs']['bare_passages_per_second'])} "
        f"alternated runs each (bare: {ix['runs']['bare_passages_per_second']}, index: "
        f"{ix['runs']['index_passages_per_second']} passages/s).",
    ]


def _scale(sc: dict[str, Any]) -> list[str]:
    return [
        "",
        "## Store scale",
        "",
        f"{sc['passages']:,} passages: **{sc['real_passages']:,} real** "
        f"({sc['real_questions']:,} questions "
        f"embedded by `semsearch index` at {sc['real_index_passages_per_second']} passages/s), the other "
        f"{sc['passages'] - sc['real_passages']:,} are {sc['copies']} rounds of copies of those points "
        "(same vectors and payloads, new question and point ids). "
        f"Disk: {sc.get('index_mib', '?')} MiB ({sc.get('index_allocated_mib', '?')} MiB allocated)."
        + (" Index reused from an earlier run." if sc.get("reused") else ""),
    ]


def _latency(lat: dict[str, Any]) -> list[str]:
    bare = lat["bare_query_encoding_ms"]
    lines = [
        "",
        "## Query latency (`GET /search`, hybrid, limit 10, grouped; ms)",
        "",
        "| run | n | p50 | p95 | p99 | mean | req/s | CPU pressure before |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| bare query encoding ({bare['encoder']}, in-process) | {bare['n']} | {bare['p50']:.1f} "
        f"| {bare['p95']:.1f} | {bare['p99']:.1f} | {bare['mean']:.1f} | "
        f"| {bare['load']['cpu_pressure_avg10']} % |",
    ]
    for name, run in lat["server"]["runs"].items():
        pressure = run["load"]["cpu_pressure_avg10"] if "load" in run else ""
        lines.append(
            f"| {name} | {run['n']} | {run['p50']:.1f} | {run['p95']:.1f} | {run['p99']:.1f} "
            f"| {run['mean']:.1f} | {run.get('requests_per_second', '')} | {pressure} % |"
        )
    cli = lat["cold_cli_search"]
    srv = lat["server"]
    lines += [
        "",
        f"Cold `semsearch search`: median {cli['median_seconds']} s over {cli['runs']} runs "
        f"({cli['seconds']}). "
        f"`semsearch serve` to first answer: {srv['cold_start_seconds']} s. Server memory: "
        f"{srv['memory']['rss_mib']} MiB resident, {srv['memory']['peak_rss_mib']} MiB peak "
        f"({srv['memory_after_start']['rss_mib']} MiB after start).",
    ]
    return lines
