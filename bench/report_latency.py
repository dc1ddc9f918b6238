"""The latency targets: X against the floor F, the p99 it allows, the 1-client p50s against the bare
encoding, and the filter's cost.

F is measured before the latency runs and, when the bench measures it again after them, the
targets use the mean of the two: this machine's speed drifts within minutes.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from bench.http import find
from bench.report_rows import Rows, pick

DRIFT = 0.15  # F's two measurements further apart than this: the machine's speed moved during the run


class Floor(NamedTuple):
    """F and the bare encoding's p50 that the latency targets are held to, and where they come from."""

    f: float | None
    bare_ms: float | None
    source: str  # how F was taken, for the row's name
    drift: float = 0.0  # |F after - F before| / F, when measured twice


def measured_floor(results: dict[str, Any], part: str, language: str) -> tuple[float | None, float | None]:
    """F and the bare encoding's p50 of one floor measurement (``part``: "floor" or "floor_after")."""
    lang = pick(results, part, language) or {}
    return pick(lang, "floor", "requests_per_second"), pick(lang, "bare_encoding_ms", "sum", "p50")


def floor_of(results: dict[str, Any], language: str) -> Floor:
    """The floor measured before the latency runs and, when the bench measured it again after them
    (``floor_after``), the mean of the two: the machine's speed may drift during a run (a shared
    host), and X is measured between them."""
    f0, bare0 = measured_floor(results, "floor", language)
    f1, bare1 = measured_floor(results, "floor_after", language)
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
        _filter_rows(rows, label, runs, one, many)


def _filter_rows(
    rows: Rows, label: str, runs: list[dict[str, Any]], one: dict[str, Any], many: dict[str, Any]
) -> None:
    """The filter's cost on the p50 (from the alternated run when there is one: the same minutes
    for both halves; else from the two 1-client runs) and on the throughput."""
    plain, dated = (
        find(runs, "search", "fr", False, False, paired=True),
        find(runs, "search", "fr", True, False, paired=True),
    )
    how = "alternated requests"
    if not (plain.get("p50") and dated.get("p50")):
        plain, dated, how = one, find(runs, "search", "fr", True, False), "two runs"
    if plain.get("p50") and dated.get("p50"):
        rows.add(
            f"{label}: filter cost, p50 with 1 client ({how})",
            100 * (dated["p50"] / plain["p50"] - 1),
            20,
            "%",
        )
    x, filtered_many = many.get("requests_per_second"), find(runs, "search", "fr", True, True)
    if x and filtered_many.get("requests_per_second"):
        rows.add(
            f"{label}: filter cost, throughput with {many.get('clients', 8)} clients",
            100 * (x / filtered_many["requests_per_second"] - 1),
            20,
            "%",
        )
