"""Question-level score fusion: each signal's scores normalised per query, then summed by weight.

A signal is one engine query's view of the questions (BM25 over the whole question, the model's
best passages, the question's mean vector, the question-level model), with raw scores on scales
of its own. Ranks (reciprocal rank fusion) throw away how far ahead a question is: normalised
scores summed measured better on the judged sets (docs/evaluation.md). A question missing from a
signal's list gets that list's lowest score: it ranked below everything the signal returned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

Normalisation = Literal["z", "minmax"]
# A list's spread is taken as at least this share of its largest score: questions whose scores
# differ in the fourth decimal (the same template sent about several communes, a tiny index) are
# ties to the signal, not a full standard deviation apart.
MIN_SPREAD = 0.003


@dataclass(frozen=True)
class Signal:
    """One signal's raw scores for the questions it returned (question id -> score)."""

    name: str
    scores: Mapping[str, float]
    weight: float


def normalised(scores: Mapping[str, float], how: Normalisation) -> tuple[dict[str, float], float]:
    """The list's normalised scores, and the score of a question outside the list."""
    values = np.fromiter(scores.values(), dtype=np.float64, count=len(scores))
    if how == "minmax":
        centre, spread = float(values.min()), float(values.max() - values.min())
    else:
        centre, spread = float(values.mean()), float(values.std())
    if spread <= 0:  # one question, or all equal: being in the list is all the signal says
        return dict.fromkeys(scores, 1.0), 0.0
    spread = max(spread, MIN_SPREAD * float(np.abs(values).max()))
    normal = (values - centre) / spread
    return dict(zip(scores, normal.tolist(), strict=True)), (float(values.min()) - centre) / spread


def fuse(signals: Sequence[Signal], how: Normalisation = "z") -> dict[str, float]:
    """Every question of any weighted signal, with its fused score."""
    used = [s for s in signals if s.weight > 0 and s.scores]
    if not used:
        return {}
    candidates = list(dict.fromkeys(qid for s in used for qid in s.scores))
    at = {qid: n for n, qid in enumerate(candidates)}
    total = np.zeros(len(candidates))
    # Added signal by signal, in the signals' order: the same sums, bit for bit, as adding each
    # question's weighted scores one after the other (ties must break the same way everywhere).
    for s in used:
        normal, floor = normalised(s.scores, how)
        column = np.full(len(candidates), floor)
        column[np.fromiter((at[qid] for qid in normal), np.intp, len(normal))] = list(normal.values())
        total += s.weight * column
    return dict(zip(candidates, total.tolist(), strict=True))


def ordered(fused: Mapping[str, float]) -> list[str]:
    """Best first; equal scores by id, so that the engines (and pages) agree on ties."""
    return sorted(fused, key=lambda qid: (-fused[qid], qid))
