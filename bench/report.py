"""The benchmark's figures against the issue's targets, each with its ratio to the target.

A row: what was measured, the limit it is held to, the ratio measured / limit (a "≤" target is met
at a ratio of 1 or less, a "≥" one at 1 or more) and whether it is met; a figure that could not be
measured says why. ``targets`` are the issue's (French queries, the embedded engine, the
store-scale index); ``compared`` holds the same formulas for the English mix and the Qdrant server
(for reading, not targets); ``figures`` the reported values without a limit (the floor, the
million-passage index, the indexing spread).
"""

from __future__ import annotations

from typing import Any

from bench.report_latency import floor_of, latency_rows, measured_floor
from bench.report_rows import Rows, pick

MIN_PASSAGES = 400_000
MILLION = 1_000_000
DUPLICATE_QUESTIONS = 50_000
GIB = 1024.0


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
        latency_rows(rows, "Edge", floor_of(results, "fr"), pick(latency, "server", "runs") or [])
        _cli(
            rows,
            "cold `semsearch search`, no server running (median; the files as the command before left them)",
            latency.get("cli_without_server"),
        )
        _cli(
            rows,
            "cold `semsearch search`, a `semsearch serve` holding the index (median)",
            pick(latency, "server", "cli_with_server"),
        )
        rows.add(
            "`semsearch serve` start to first answer", pick(latency, "server", "first_answer_seconds"), 3, "s"
        )
        rows.add(
            "`semsearch serve` peak memory (VmHWM)",
            pick(latency, "server", "memory", "peak_rss_mib"),
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
    passages = pick(results, "scale", "store", "passages")
    if passages is not None:
        rows.add("passages in the store-scale index", passages, MIN_PASSAGES, "passages", at_least=True)
    million = pick(results, "million", "passages")
    if million is not None:
        rows.add("passages in the million-passage index", million, MILLION, "passages", at_least=True)
    return rows.rows


def compared(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The same formulas for the English mix (embedded engine) and for the Qdrant server."""
    rows = Rows()
    runs = pick(results, "latency", "server", "runs")
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
            pick(qdrant, "memory", "peak_rss_mib"),
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


def _floor_figures(results: dict[str, Any], language: str) -> list[tuple[str, Any, str]]:
    lang = pick(results, "floor", language) or {}
    if not lang:
        return []
    out: list[tuple[str, Any, str]] = [
        (f"floor F, {language} queries, 8 threads", pick(lang, "floor", "requests_per_second"), "req/s"),
        (f"floor, {language}, 1 thread", pick(lang, "one_thread", "requests_per_second"), "req/s"),
        (
            f"bare query encoding p50, {language} queries: {_per_model(lang)}",
            pick(lang, "bare_encoding_ms", "sum", "p50"),
            "ms",
        ),
        (f"engine queries per {language} search", pick(lang, "shape", "engine_queries_per_search"), ""),
    ]
    if pick(results, "floor_after", language):
        f, bare = measured_floor(results, "floor_after", language)
        out += [
            (f"floor F, {language} queries, 8 threads, measured again after the latency runs", f, "req/s"),
            (f"bare query encoding p50, {language} queries, again after the latency runs", bare, "ms"),
        ]
    return out


def _million_figures(million: dict[str, Any]) -> list[tuple[str, Any, str]]:
    # The run after the warm-up (older results have only the one run).
    run = next((r for r in million["runs"] if not r.get("first")), million["runs"][0])
    return [
        ("million: size on disk (allocated)", million.get("index_allocated_mib"), "MiB"),
        ("million: open (new process)", pick(million, "open", "open_seconds"), "s"),
        ("million: `GET /search` p50 / p99, 1 client", f"{run['p50']:.1f} / {run['p99']:.1f}", "ms"),
        ("million: serve start to first answer", million.get("first_answer_seconds"), "s"),
        (
            "million: serve memory, resident / peak",
            f"{million['memory']['rss_mib']:,.0f} / {million['memory']['peak_rss_mib']:,.0f}",
            "MiB",
        ),
    ]


def figures(results: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """Reported figures without a limit."""
    out = [*_floor_figures(results, "fr"), *_floor_figures(results, "en")]
    first = pick(results, "latency", "cli_without_server", "first_seconds")
    if first is not None:
        out.append(
            ("cold `semsearch search`, no server, the index's files out of the page cache", first, "s")
        )
    runs = pick(results, "indexing", "runs") or {}
    if runs:
        out += [
            ("indexing spread, bare runs", 100 * runs["bare_spread"], "%"),
            ("indexing spread, index runs", 100 * runs["index_spread"], "%"),
        ]
    million = results.get("million") or {}
    if million.get("runs"):
        out += _million_figures(million)
    return out
