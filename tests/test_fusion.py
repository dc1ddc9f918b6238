"""Question-level score fusion: normalisation, missing questions, weights and ties."""

from __future__ import annotations

import pytest

from semsearch.fusion import Normalisation, Signal, fuse, normalised, ordered


def test_z_scores_and_the_floor_of_a_missing_question() -> None:
    normal, floor = normalised({"a": 3.0, "b": 1.0}, "z")
    assert normal == {"a": pytest.approx(1.0), "b": pytest.approx(-1.0)}
    assert floor == pytest.approx(-1.0)  # ranked below everything the signal returned: its lowest


def test_minmax() -> None:
    normal, floor = normalised({"a": 10.0, "b": 5.0, "c": 0.0}, "minmax")
    assert normal == {"a": 1.0, "b": 0.5, "c": 0.0}
    assert floor == 0.0


def test_a_single_question_counts_fully_not_as_zero() -> None:
    # A BM25 query matching one question only: its being found is the whole signal.
    normal, floor = normalised({"only": 7.5}, "z")
    assert normal == {"only": 1.0} and floor == 0.0


def test_fused_score_is_the_weighted_sum() -> None:
    lexical = Signal("bm25", {"a": 3.0, "b": 1.0}, 1.0)
    dense = Signal("passages", {"b": 0.9, "c": 0.7}, 0.5)
    fused = fuse([lexical, dense], "z")
    # a: 1 (bm25) + 0.5 * floor(-1) ; b: -1 + 0.5 * 1 ; c: floor(-1) + 0.5 * -1
    assert fused == {"a": pytest.approx(0.5), "b": pytest.approx(-0.5), "c": pytest.approx(-1.5)}
    assert ordered(fused) == ["a", "b", "c"]


def test_weightless_and_empty_signals_are_left_out() -> None:
    fused = fuse([Signal("bm25", {}, 1.0), Signal("question", {"x": 1.0, "y": 0.0}, 0.0)], "z")
    assert fused == {}


def test_ties_are_broken_by_id_so_both_engines_agree() -> None:
    assert ordered({"q9": 1.0, "q10": 1.0, "q1": 2.0}) == ["q1", "q10", "q9"]


def test_near_ties_are_not_stretched_to_a_full_spread() -> None:
    # Cosines differing in the fifth decimal (a template sent about several communes): the signal
    # cannot tell them apart, and must not outvote one that can.
    dense = Signal("passages", {"a": 0.85001, "b": 0.85000}, 1.0)
    lexical = Signal("bm25", {"b": 6.0, "a": 2.0}, 1.0)
    assert ordered(fuse([dense, lexical], "z")) == ["b", "a"]
    normal, _ = normalised({"a": 0.85001, "b": 0.85000}, "z")
    assert abs(normal["a"] - normal["b"]) < 0.01


def test_the_sums_are_bit_for_bit_those_of_adding_each_questions_scores_in_turn() -> None:
    # Ties break by id only between equal floats: the vectorised sum must not differ in the last
    # bit from adding, question by question, each signal's weighted score in the signals' order.
    import random

    def one_by_one(signals: list[Signal], how: Normalisation) -> dict[str, float]:
        used = [s for s in signals if s.weight > 0 and s.scores]
        parts = [(s.weight, *normalised(s.scores, how)) for s in used]
        every = {qid for s in used for qid in s.scores}
        return {qid: sum(w * normal.get(qid, floor) for w, normal, floor in parts) for qid in every}

    draw = random.Random(3)
    for _ in range(1000):
        signals = [
            Signal(
                f"s{k}",
                {
                    str(draw.randrange(300)): draw.random() * draw.choice([1, 10, 0.01])
                    for _ in range(draw.randrange(80))
                },
                draw.choice([0.0, 0.3, 1.0, 0.7123]),
            )
            for k in range(draw.randrange(1, 5))
        ]
        for how in ("z", "minmax"):
            assert fuse(signals, how) == one_by_one(signals, how)
