"""eval/route_eval.py: every query sees only the questions of its assembly asked before its day,
and the script prints the table of the product's routing against the majority baseline."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from eval.route_eval import main, queries, query_text
from semsearch import routing
from semsearch.service import SearchService
from tests.support.questions import french_questions
from tests.support.settings import fake_settings


@pytest.fixture
def indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SEMSEARCH_MODEL", "fake")
    monkeypatch.delenv("SEMSEARCH_QDRANT_URL", raising=False)
    uk = french_questions()[0].model_copy(
        update={
            "id": "uk-1",
            "assembly": "House of Commons",
            "question": ["To ask the Secretary of State for Transport, what plans he has for rail fares."],
            "addressee": "Secretary of State for Transport",
            "addressee_role": None,
        }
    )
    with SearchService.open(fake_settings(tmp_path / "index")) as service:
        service.upsert([*french_questions(), uk])
    return tmp_path / "index"


def test_queries_see_only_earlier_questions_of_their_assembly(indexed: Path) -> None:
    with SearchService.open(fake_settings(indexed), create=False) as service:
        found = queries(service, min_evidence=0)
        heads = [q.summary for q in found]
        assert len(found) == 16
        for query in found:
            earlier = Counter(
                routing.key_of(h)
                for h in heads
                if h.assembly == query.summary.assembly and h.date_asked < query.summary.date_asked
            )
            expected = [k for k, _ in sorted(earlier.items(), key=lambda kv: (-kv[1], str(kv[0])))[:3]]
            assert query.majority == expected, query.summary.id
        assert [q.summary.id for q in queries(service, min_evidence=5)][:1] != [found[0].summary.id]
        uk = next(q.summary for q in found if q.summary.id == "uk-1")
        assert (
            query_text(service, uk) == "what plans he has for rail fares."
        )  # the answer is not in the query


def test_the_script_prints_the_table(indexed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--index", str(indexed), "--name", "test", "--min-evidence", "3", "--variants"]) == 0
    out = capsys.readouterr().out
    assert "| set | queries | addressees | top-1 | top-3 | majority top-1 | majority top-3 |" in out
    rows = [line for line in out.splitlines() if line.startswith("| test")]
    assert rows[0].startswith("| test | 12 |") and any("by rank, 20 voters" in r for r in rows)
