"""Build the UK precedent label set from the shared-answer groups of the Commons export.

A group is a set of questions the department answered with one identical long answer: they ask the
same thing. Each member that has another member asked in the same or an earlier month becomes a
"by-id" query whose relevant ids (grade 2) are those members, searched "before" the first day of
the next month (questions are dated the first day of their month, and ``before`` is exclusive).

Groups whose questions are copies of one template (near-identical once names and numbers are set
aside) are tagged ``template``; the others ``other``. See eval/README.md.

    python eval/build_uk_labels.py [--shared PATH] [--out PATH] [--sample N --seed S]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = "corpus/uk/commons_written_questions_2023-09_2025-06.jsonl"
GROUPS = "corpus/uk/shared_answer_groups_2023-09_2025-06.json"
DEFAULT_OUT = REPO / "eval" / "labels" / "uk_precedents.jsonl"

# Mean pairwise Jaccard of the groups' "frame words" at or above which a group is a template.
TEMPLATE_THRESHOLD = 0.7

# "To ask the Secretary of State for X, what …": the question proper starts at the first of these
# words after a comma (department names hold commas of their own: "Culture, Media and Sport").
_QUESTION_START = re.compile(
    r",\s*(?=(?:what|whether|if|how|when|which|why|who|where|pursuant|with reference|further to|for what)\b)",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")


class DataError(Exception):
    """The shared data is missing or not in the expected shape."""


@dataclass(frozen=True)
class Member:
    id: str
    month: str  # "YYYY-MM"

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.month, len(self.id), self.id)  # ids are numbers: shorter first, then by digits


def question_body(text: str) -> str:
    """The question without its "To ask the <addressee>," opening."""
    text = text.strip()
    if not text.lower().startswith("to ask"):
        return text
    start = _QUESTION_START.search(text)
    if start:
        return text[start.end() :]
    comma = text.find(",")
    return text[comma + 1 :] if comma >= 0 else text


def frame_words(text: str) -> frozenset[str]:
    """Lowercased words of the question body, leaving out the slots a template is filled with.

    Capitalised words and tokens holding digits (schools, places, programmes, dates, amounts)
    are set aside, so "capital funding for <school> in <constituency>" copies count as one text.
    """
    tokens = _TOKEN.findall(question_body(text))
    return frozenset(t.lower() for t in tokens if not (t[0].isupper() or any(c.isdigit() for c in t)))


def plain_words(text: str) -> frozenset[str]:
    return frozenset(t.lower() for t in _TOKEN.findall(question_body(text)))


def mean_jaccard(sets: Sequence[frozenset[str]]) -> float:
    scores = [len(a & b) / len(a | b) if a | b else 1.0 for a, b in itertools.combinations(sets, 2)]
    return sum(scores) / len(scores) if scores else 1.0


def next_month_start(month: str) -> str:
    year, mon = (int(part) for part in month.split("-")[:2])
    year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return f"{year:04d}-{mon:02d}-01"


def load(shared: Path) -> tuple[dict[str, tuple[str, str]], list[list[str]]]:
    """({id: (month, question_text)} for the ids in groups, groups)."""
    corpus, groups_path = shared / CORPUS, shared / GROUPS
    for path in (corpus, groups_path):
        if not path.is_file():
            raise DataError(f"UK data not found: {path} (give the shared folder with --shared PATH)")
    groups = json.loads(groups_path.read_text(encoding="utf-8"))
    if not isinstance(groups, list) or not all(isinstance(g, list) for g in groups):
        raise DataError(f"{groups_path}: expected a JSON list of lists of question ids")
    groups = [[str(i) for i in g] for g in groups]
    wanted = {i for g in groups for i in g}
    questions: dict[str, tuple[str, str]] = {}
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            qid = str(record["id"])
            if qid in wanted:
                questions[qid] = (str(record["month"]), str(record["question_text"]))
    missing = sorted(wanted - questions.keys())
    if missing:
        raise DataError(f"{len(missing)} grouped ids are not in {corpus.name}, e.g. {missing[0]}")
    seen: Counter[str] = Counter(i for g in groups for i in set(g))
    twice = [i for i, n in seen.items() if n > 1]
    if twice:
        raise DataError(f"{len(twice)} ids belong to more than one group, e.g. {twice[0]}")
    return questions, groups


def classify(texts: Sequence[str]) -> tuple[str, float, float]:
    """(subset, frame-word score, plain-word score) of one group."""
    frame = mean_jaccard([frame_words(t) for t in texts])
    plain = mean_jaccard([plain_words(t) for t in texts])
    return ("template" if frame >= TEMPLATE_THRESHOLD else "other"), frame, plain


def group_queries(members: Sequence[Member], subset: str) -> Iterable[dict[str, object]]:
    ordered = sorted(members, key=lambda m: m.key)
    for member in ordered:
        precedents = [m for m in ordered if m.id != member.id and m.month <= member.month]
        if not precedents:
            continue  # the group's first question, alone in its month: nothing to find yet
        yield {
            "query": None,
            "question_id": member.id,
            "relevant": {m.id: 2 for m in precedents},
            "before": next_month_start(member.month),
            "kind": "by-id",
            "subset": subset,
        }


def build(shared: Path) -> tuple[list[dict[str, object]], Counter[str], list[float], list[float]]:
    questions, groups = load(shared)
    lines: list[tuple[tuple[str, int, str], dict[str, object]]] = []
    group_subsets: Counter[str] = Counter()
    frame_scores: list[float] = []
    plain_scores: list[float] = []
    for group in groups:
        subset, frame, plain = classify([questions[i][1] for i in group])
        group_subsets[subset] += 1
        frame_scores.append(frame)
        plain_scores.append(plain)
        members = [Member(i, questions[i][0]) for i in group]
        by_id = {m.id: m for m in members}
        for line in group_queries(members, subset):
            lines.append((by_id[str(line["question_id"])].key, line))
    lines.sort(key=lambda pair: pair[0])
    return [line for _, line in lines], group_subsets, frame_scores, plain_scores


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build eval/labels/uk_precedents.jsonl.")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="the shared data folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the JSON Lines file to write")
    parser.add_argument("--sample", type=int, help="write only N queries, drawn at random")
    parser.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    args = parser.parse_args(argv)
    if args.sample is not None and args.sample < 1:
        parser.error("--sample must be at least 1")
    try:
        lines, group_subsets, frame_scores, plain_scores = build(args.shared)
    except (DataError, OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    total = len(lines)
    if args.sample is not None:
        keep = set(random.Random(args.seed).sample(range(total), min(args.sample, total)))
        lines = [line for n, line in enumerate(lines) if n in keep]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")

    queries = Counter(str(line["subset"]) for line in lines)
    n_groups = sum(group_subsets.values())
    print(
        f"{n_groups} groups: {group_subsets['template']} template, {group_subsets['other']} other "
        f"(frame-word Jaccard >= {TEMPLATE_THRESHOLD}; plain word Jaccard >= {TEMPLATE_THRESHOLD} "
        f"would give {sum(s >= TEMPLATE_THRESHOLD for s in plain_scores)})"
    )
    for threshold in (0.5, 0.6, 0.8, 0.9):
        print(f"  at {threshold}: {sum(s >= threshold for s in frame_scores)} template groups")
    sampled = f" (sample of {total}, seed {args.seed})" if args.sample is not None else ""
    print(
        f"{len(lines)} queries{sampled}: {queries['template']} template, {queries['other']} other "
        f"-> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
