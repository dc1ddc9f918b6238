"""The benchmark's figures against the issue's targets, each with its ratio to the target.

A row: what was measured, the limit it is held to, the ratio measured / limit (a "≤" target is met
at a ratio of 1 or less, a "≥" one at 1 or more) and whether it is met; a figure that could not be
measured says why. ``targets`` are the issue's (French queries, the embedded engine, the
store-scale index); ``compared`` holds the same formulas for the English mix and the Qdrant server
(for reading, not targets); ``figures`` the reported values without a limit (the floor, the
million-passage index, the indexing spread).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from bench.http import find

MIN_PASSAGES = 400_000
MILLION = 1_000_000
DUPLICATE_QUESTIONS = 50_000
GIB = 1024.0
DRIFT = 0.15  # F's two measurements further apart than this: the machine's speed moved during the run


class Rows:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(
        self,
        name: str,
        value: float | None,
        limit: float | None,
        unit: str,
        at_least: bool = False,
        note: str = "",
    ) -> None:
        """A target row; ``value`` None: not measured (``note`` says why)."""
        row: dict[str, Any] = {
            "target": name,
            "unit": unit,
            "direction": ">=" if at_least else "<=",
            "note": note,
        }
        if value is None or limit is None or limit <= 0:
            self.rows.append({**row, "measured": value, "limit": limit, "ratio": None, "met": False})
            return
        ratio = value / limit
        met = ratio >= 1 if at_least else ratio <= 1
        self.rows.append(
            {
                **row,
                "measured": round(value, 3),
                "limit": round(limit, 3),
                "ratio": round(ratio, 3),
                "met": met,
            }
        )


def _get(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


class Floor(NamedTuple):
    """F and the bare encoding's p50 that the latency targets are held to, and where they come from."""

    f: float | None
    bare_ms: float | None
    source: str  # how F was taken, for the row's name
    drift: float = 0.0  # |F after - F before| / F, when measured twice


def floor_of(results: dict[str, Any], language: str) -> Floor:
    """The floor measured before the latency runs and, when the bench measured it again after them
    (``floor_after``), the mean of the two: the machine's speed may drift during a run (a shared
    host), and X is measured between them."""
    before = _get(results, "floor", language) or {}
    after = _get(results, "floor_after", language) or {}
    f0 = _get(before, "floor", "requests_per_second")
    bare0 = _get(before, "bare_encoding_ms", "sum", "p50")
    f1 = _get(after, "floor", "requests_per_second")
    bare1 = _get(after, "bare_encoding_ms", "sum", "p50")
    if f0 is None or f1 is None or bare0 is None or bare1 is None:
        return Floor(f0, bare0, f"F = {f0 or '?'} req/s")
    f = round((f0 + f1) / 2, 2)
    source = f"F = {f} req/s, the mean of {f0} before and {f1} after the latency runs"
    return Floor(f, (bare0 + bare1) / 2, source, abs(f1 - f0) / f if f else 0.0)


def latency_rows(
    rows: Rows,
    label: str,
    floor: Floor,
    runs: list[dict[str, Any]],
    language: str = "fr",
) -> None:
    """X ≥ 0.8 F, p99 ≤ 1.5 × clients / X, 1-client p50s ≤ 1.5 × bare + 10 ms, the filter's cost."""
    many, one = find(runs, "search", language, False, True), find(runs, "search", language, False, False)
    f, bare_ms = floor.f, floor.bare_ms
    x = many.get("requests_per_second")
    clients = many.get("clients", 8)
    drifted = f"F moved {floor.drift:.0%} between its two measurements: repeat the run before trusting X / F"
    rows.add(
        f"{label}: throughput X, {clients} clients (≥ 0.8 F, {floor.source})",
        x,
        0.8 * f if f else None,
        "req/s",
        at_least=True,
        note=drifted if floor.drift > DRIFT else "",
    )
    rows.add(
        f"{label}: p99, {clients} clients (≤ 1.5 × {clients} / X)",
        many.get("p99"),
        1500 * clients / x if x else None,
        "ms",
    )
    limit = 1.5 * bare_ms + 10 if bare_ms is not None else None
    rows.add(
        f"{label}: `GET /search` p50, 1 client (≤ 1.5 × bare encoding + 10 ms)", one.get("p50"), limit, "ms"
    )
    if language == "fr":
        related = find(runs, "related", None, False, False)
        rows.add(
            f"{label}: `GET /questions/{{id}}/related` p50, 1 client (same limit)",
            related.get("p50"),
            limit,
            "ms",
        )
        filtered, filtered_many = (
            find(runs, "search", "fr", True, False),
            find(runs, "search", "fr", True, True),
        )
        # The alternated run when there is one (the same minutes for both), else the two runs.
        plain, dated = (
            find(runs, "search", "fr", False, False, paired=True),
            find(runs, "search", "fr", True, False, paired=True),
        )
        how = "alternated requests" if plain.get("p50") and dated.get("p50") else "two runs"
        if how == "two runs":
            plain, dated = one, filtered
        if plain.get("p50") and dated.get("p50"):
            rows.add(
                f"{label}: filter cost, p50 with 1 client ({how})",
                100 * (dated["p50"] / plain["p50"] - 1),
                20,
                "%",
            )
        if x and filtered_many.get("requests_per_second"):
            rows.add(
                f"{label}: filter cost, throughput with {clients} clients",
                100 * (x / filtered_many["requests_per_second"] - 1),
                20,
                "%",
            )


def _cli(rows: Rows, name: str, cli: dict[str, Any] | None) -> None:
    if cli is None:
        return
    rows.add(
        name, cli.get("median_seconds"), 1.5, "s", note=f"failed: {cli['failed']}" if "failed" in cli else ""
    )


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows = Rows()
    latency = results.get("latency", {})
    if latency:
        latency_rows(rows, "Edge", floor_of(results, "fr"), _get(latency, "server", "runs") or [])
        _cli(
            rows,
            "cold `semsearch search`, no server running (median; the files as the command before left them)",
            latency.get("cli_without_server"),
        )
        _cli(
            rows,
            "cold `semsearch search`, a `semsearch serve` holding the index (median)",
            _get(latency, "server", "cli_with_server"),
        )
        rows.add(
            "`semsearch serve` start to first answer", _get(latency, "server", "first_answer_seconds"), 3, "s"
        )
        rows.add(
            "`semsearch serve` peak memory (VmHWM)",
            _get(latency, "server", "memory", "peak_rss_mib"),
            2 * GIB,
            "MiB",
        )
    if "indexing" in results:
        rows.add(
            "`semsearch index` / bare encoders (best of alternated runs)",
            100 * results["indexing"]["ratio"],
            90,
            "%",
            at_least=True,
        )
    duplicates = results.get("duplicates")
    if duplicates:
        note = (
            ""
            if duplicates["questions"] >= DUPLICATE_QUESTIONS
            else f"only {duplicates['questions']:,} questions"
        )
        rows.add(
            f"`semsearch duplicates` over {duplicates['questions']:,} questions",
            duplicates.get("seconds"),
            300,
            "s",
            note=note,
        )
    passages = _get(results, "scale", "store", "passages")
    if passages is not None:
        rows.add("passages in the store-scale index", passages, MIN_PASSAGES, "passages", at_least=True)
    million = _get(results, "million", "passages")
    if million is not None:
        rows.add("passages in the million-passage index", million, MILLION, "passages", at_least=True)
    return rows.rows


def compared(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The same formulas for the English mix (embedded engine) and for the Qdrant server."""
    rows = Rows()
    runs = _get(results, "latency", "server", "runs")
    if runs:
        latency_rows(rows, "Edge, English queries", floor_of(results, "en"), runs, language="en")
    qdrant = results.get("qdrant", {})
    if qdrant.get("runs"):
        latency_rows(
            rows, f"Qdrant, serve --workers {qdrant['workers']}", floor_of(qdrant, "fr"), qdrant["runs"]
        )
        rows.add(
            "Qdrant: `semsearch serve --workers 2` start to first answer",
            qdrant.get("first_answer_seconds"),
            3,
            "s",
        )
        rows.add(
            "Qdrant: serve's processes, peak memory summed",
            _get(qdrant, "memory", "peak_rss_mib"),
            2 * GIB,
            "MiB",
        )
    return rows.rows


def _per_model(lang: dict[str, Any]) -> str:
    bare = lang.get("bare_encoding_ms", {})
    parts = [
        f"{model} {v['p50']:.1f} ms" for model, v in bare.items() if isinstance(v, dict) and model != "sum"
    ]
    return " + ".join(parts) + ", the sum's p50"


def figures(results: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """Reported figures without a limit."""
    out: list[tuple[str, Any, str]] = []
    for language in ("fr", "en"):
        lang = _get(results, "floor", language) or {}
        if lang:
            out += [
                (
                    f"floor F, {language} queries, 8 threads",
                    _get(lang, "floor", "requests_per_second"),
                    "req/s",
                ),
                (f"floor, {language}, 1 thread", _get(lang, "one_thread", "requests_per_second"), "req/s"),
                (
                    f"bare query encoding p50, {language} queries: {_per_model(lang)}",
                    _get(lang, "bare_encoding_ms", "sum", "p50"),
                    "ms",
                ),
                (
                    f"engine queries per {language} search",
                    _get(lang, "shape", "engine_queries_per_search"),
                    "",
                ),
            ]
        after = _get(results, "floor_after", language) or {}
        if after:
            out += [
                (
                    f"floor F, {language} queries, 8 threads, measured again after the latency runs",
                    _get(after, "floor", "requests_per_second"),
                    "req/s",
                ),
                (
                    f"bare query encoding p50, {language} queries, again after the latency runs",
                    _get(after, "bare_encoding_ms", "sum", "p50"),
                    "ms",
                ),
            ]
    first = _get(results, "latency", "cli_without_server", "first_seconds")
    if first is not None:
        out.append(
            ("cold `semsearch search`, no server, the index's files out of the page cache", first, "s")
        )
    runs = _get(results, "indexing", "runs") or {}
    if runs:
        out += [
            ("indexing spread, bare runs", 100 * runs["bare_spread"], "%"),
            ("indexing spread, index runs", 100 * runs["index_spread"], "%"),
        ]
    million = results.get("million") or {}
    if million.get("runs"):
        run = million["runs"][0]
        out += [
            ("million: size on disk (allocated)", million.get("index_allocated_mib"), "MiB"),
            ("million: open (new process)", _get(million, "open", "open_seconds"), "s"),
            ("million: `GET /search` p50 / p99, 1 client", f"{run['p50']:.1f} / {run['p99']:.1f}", "ms"),
            ("million: serve start to first answer", million.get("first_answer_seconds"), "s"),
            (
                "million: serve memory, resident / peak",
                f"{million['memory']['rss_mib']:,.0f} / {million['memory']['peak_rss_mib']:,.0f}",
                "MiB",
            ),
        ]
    return out
