"""The command line: output modes, stdin, exit codes and one-line errors (fake embedder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from semsearch.cli.app import app
from tests.support.questions import RESULT_FIELDS

PAGE = """/

Les retards de paiement des primes à la rénovation

  • Session : 2021-2022
  • Année : 2022
  • N° : 88 (2021-2022) 1

2 élément(s) trouvé(s).

  • Question écrite du 14/02/2022
    • de LAMBERT Sophie
    • à DUPONT Marc, Ministre du Logement et de l'Énergie
    De nombreux ménages attendent depuis plus d'un an le paiement de leur prime à la rénovation.

    Monsieur le Ministre peut-il m'indiquer le délai moyen de traitement des dossiers ?
  • Réponse du 10/03/2022
    • de DUPONT Marc
    Le délai moyen de traitement est aujourd'hui de sept mois.

    Des agents supplémentaires ont été engagés pour résorber l'arriéré.
"""


def canonical(n: int, title: str, question: str, **extra: object) -> str:
    record = {
        "id": f"c{n}",
        "assembly": "Parlement Wallon",
        "title": title,
        "question": question,
        "date_asked": "2023-05-0" + str(1 + n % 9),
        "author": "PETIT Jean",
        "addressee": "MARTIN Luc",
    }
    record.update(extra)
    return json.dumps(record, ensure_ascii=False)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SEMSEARCH_MODEL", "fake")
    monkeypatch.setenv("SEMSEARCH_INDEX_PATH", str(tmp_path / "index"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def corpus(env: Path) -> Path:
    folder = env / "questions"
    (folder / "pages").mkdir(parents=True)
    (folder / "pages" / "q88.txt").write_text(PAGE, encoding="utf-8")
    (folder / "more.jsonl").write_text(
        "\n".join(
            [
                canonical(1, "Éoliennes en Ardenne", "Les parcs éoliens ardennais et les riverains."),
                canonical(
                    2, "Pistes cyclables", "Le réseau cyclable du Brabant wallon.", answer="Il progresse."
                ),
                canonical(
                    3, "Primes rénovation énergétique", "Les primes rénovation et leurs délais de paiement."
                ),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    (folder / "README.md").write_text("not a question: ignored in a folder", encoding="utf-8")
    return folder


runner = CliRunner()


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def test_index_then_search_as_json(corpus: Path) -> None:
    code, out, _ = run("index", str(corpus))
    assert code == 0, out
    assert "2 files, 4 questions: 4 added" in out and "0 errors" in out
    code, out, _ = run("search", "primes rénovation délais", "--json", "-n", "2")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 2
    assert {rows[0]["id"], rows[1]["id"]} == {"c3", "parlement-wallon-2021-2022-88-1-dupont-marc"}
    for row in rows:
        assert RESULT_FIELDS <= row.keys()
        assert all(p["kind"] in {"title", "question", "answer"} and "paragraph" in p for p in row["passages"])


def test_second_run_embeds_nothing(corpus: Path) -> None:
    run("index", str(corpus))
    code, out, _ = run("index", str(corpus), "--json")
    summary = json.loads(out)
    assert code == 0 and summary["passages"] == 0 and summary["unchanged"] == 4


def test_table_output_shows_title_meta_and_passages(corpus: Path) -> None:
    run("index", str(corpus))
    code, out, _ = run("search", "primes à la rénovation", "-n", "1")
    assert code == 0
    assert "retards de paiement" in out.lower() or "rénovation énergétique" in out.lower()
    assert "[title]" in out or "[question ¶" in out or "[answer ¶" in out


def test_query_from_stdin_offset_and_limit(corpus: Path) -> None:
    run("index", str(corpus))
    _, all_out, _ = run("search", "-", "--json", "-n", "4", input="primes rénovation des logements\n")
    _, page2, _ = run(
        "search", "-", "--json", "-n", "2", "--offset", "2", input="primes rénovation des logements"
    )
    ids = [json.loads(line)["id"] for line in all_out.splitlines()]
    assert len(ids) == 4
    assert [json.loads(line)["id"] for line in page2.splitlines()] == ids[2:]


def test_related_show_and_stats(corpus: Path) -> None:
    run("index", str(corpus))
    qid = "parlement-wallon-2021-2022-88-1-dupont-marc"
    code, out, _ = run("related", qid, "--json")
    ids = [json.loads(line)["id"] for line in out.splitlines()]
    assert code == 0 and qid not in ids and ids[0] == "c3"
    code, out, _ = run("show", qid, "--json")
    shown = json.loads(out)
    assert shown["id"] == qid and shown["answered"] is True and len(shown["answer"]) == 2
    assert shown["addressee"] == "DUPONT Marc" and shown["date_asked"] == "2022-02-14"
    code, out, _ = run("show", qid)
    assert code == 0 and "Le délai moyen de traitement" in out and "Answer" in out
    code, out, _ = run("stats", "--json")
    assert json.loads(out)["questions"] == 4 and json.loads(out)["model"] == "fake:64"


def test_filters_on_the_command_line(corpus: Path) -> None:
    run("index", str(corpus))
    _, out, _ = run("search", "primes", "--json", "--answered")
    assert {json.loads(line)["id"] for line in out.splitlines()} == {
        "c2",
        "parlement-wallon-2021-2022-88-1-dupont-marc",
    }
    _, out, _ = run("search", "primes", "--json", "--before", "2023-01-01")
    assert {json.loads(line)["id"] for line in out.splitlines()} == {
        "parlement-wallon-2021-2022-88-1-dupont-marc"
    }


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["search", ""], None, "the query is empty"),
        (["search", "-"], "   \n", "the query is empty"),
        (["search", "x", "-n", "0"], None, "limit must be between 1 and 100"),
        (["search", "x", "--from", "hier"], None, "--from: 'hier' is not a date"),
        (["show", "nope"], None, "no question with id 'nope'"),
        (["related", "nope"], None, "no question with id 'nope'"),
        (["index", "missing-folder"], None, "missing-folder: no such file or folder"),
    ],
)
def test_errors_are_one_clear_line(corpus: Path, args: list[str], stdin: str | None, message: str) -> None:
    run("index", str(corpus))
    code, out, err = run(*args, input=stdin)
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and lines[0].startswith("Error:") and message in err
    assert "Traceback" not in err + out


def test_bad_files_are_reported_and_the_others_indexed(corpus: Path) -> None:
    bad = corpus / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("", encoding="utf-8")
    (bad / "broken.jsonl").write_text(
        '{"id": "x1", "title": \n' + canonical(9, "Bon titre", "Bon texte.") + "\n", encoding="utf-8"
    )
    code, out, err = run("index", str(corpus))
    assert code == 1  # some files failed
    assert "empty.txt" in err and "broken.jsonl:1" in err
    assert "5 questions: 5 added" in out
    _, stats, _ = run("stats", "--json")
    assert json.loads(stats)["questions"] == 5


def test_strict_stops_at_the_first_error_and_keeps_what_was_indexed(corpus: Path) -> None:
    run("index", str(corpus))
    (corpus / "zz-bad.jsonl").write_text("not json\n", encoding="utf-8")
    code, _, err = run("index", str(corpus), "--strict")
    assert code == 1 and "zz-bad.jsonl:1" in err
    _, stats, _ = run("stats", "--json")
    assert json.loads(stats)["questions"] == 4  # nothing already indexed is lost


def test_model_change_is_refused_then_rebuild_works(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("index", str(corpus))
    monkeypatch.setenv("SEMSEARCH_MODEL", "fake:32")
    code, _, err = run("search", "primes")
    assert code == 1 and "built with model 'fake:64'" in err
    code, _, err = run("index", str(corpus))
    assert code == 1 and "re-index" in err
    code, out, _ = run("index", str(corpus), "--rebuild")
    assert code == 0 and "4 added" in out
    _, stats, _ = run("stats", "--json")
    assert json.loads(stats)["model"] == "fake:32"


def test_help_is_instant_and_lists_the_commands() -> None:
    code, out, _ = run("--help")
    assert code == 0
    for command in ("index", "search", "related", "show", "stats"):
        assert command in out
