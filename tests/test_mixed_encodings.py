"""Text pages whose lines are in two encodings are read line by line, the repaired lines are named,
and a page with a 'Réponse du' line is never indexed as unanswered (issue 15, item 9)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from indexer.readers import ReadNotice, read_file
from semsearch.cli.app import app as cli
from semsearch.errors import InputError
from semsearch.models import Question

runner = CliRunner()

HEAD = """/
Les œuvres d’art dans les bâtiments régionaux
Session : 2021-2022
N° : 301 (2021-2022) 1
Question écrite du 14/02/2022
de LAMBERT Sophie
à DUPONT Marc, Ministre du Patrimoine
Quelles œuvres la Région a-t-elle acquises en 2021 ?
Combien d’entre elles sont exposées ?
"""
ANSWER = """Réponse du 10/03/2022
de DUPONT Marc
Douze œuvres ont été acquises ; sept sont exposées à Namur.
"""


def read(path: Path) -> list[Question | InputError | ReadNotice]:
    return list(read_file(path))


def test_one_stray_cp1252_byte_in_a_utf8_page(tmp_path: Path) -> None:
    """Before: the whole page was decoded as cp1252 (mojibake) and refused as 'not a Walloon
    written question page'."""
    data = (
        (HEAD + ANSWER)
        .encode("utf-8")
        .replace("Combien d’entre".encode(), "Combien d\x92entre".encode("latin-1"))
    )
    path = tmp_path / "stray.txt"
    path.write_bytes(data)
    question, notice = read(path)
    assert isinstance(question, Question) and isinstance(notice, ReadNotice)
    assert question.title == "Les œuvres d’art dans les bâtiments régionaux"
    assert question.question == [
        "Quelles œuvres la Région a-t-elle acquises en 2021 ?",
        "Combien d’entre elles sont exposées ?",
    ]
    assert question.answered
    assert notice.message == f"{path}: line 9 not UTF-8 like the rest, read as Windows-1252"


def test_a_page_half_cp1252_half_utf8(tmp_path: Path) -> None:
    """Before: indexed as mojibake, its answer folded into the question, marked unanswered."""
    path = tmp_path / "half.txt"
    path.write_bytes(HEAD.encode("cp1252") + ANSWER.encode("utf-8"))
    question, notice = read(path)
    assert isinstance(question, Question) and isinstance(notice, ReadNotice)
    assert question.title == "Les œuvres d’art dans les bâtiments régionaux"
    assert len(question.question) == 2 and question.answered
    assert question.answer == ["Douze œuvres ont été acquises ; sept sont exposées à Namur."]
    assert "lines 2, 4-5, 7-9 not UTF-8" in notice.message


def test_a_whole_cp1252_page_is_no_news(tmp_path: Path) -> None:
    path = tmp_path / "cp1252.txt"
    path.write_bytes((HEAD + ANSWER).encode("cp1252"))
    (question,) = read(path)
    assert isinstance(question, Question) and question.answered


def test_a_reponse_du_line_is_never_unanswered(tmp_path: Path) -> None:
    path = tmp_path / "odd-heading.txt"
    path.write_text(
        HEAD + "Réponse du Ministre, le dix mars\nDouze œuvres ont été acquises.\n", encoding="utf-8"
    )
    (error,) = read(path)
    assert isinstance(error, InputError) and "looks like the answer's heading" in error.message
    path.write_text(
        HEAD + "Réponse du 10/03/2022 de M. DUPONT Marc, Ministre du Patrimoine\nDouze.\n", "utf-8"
    )
    (question,) = read(path)
    assert isinstance(question, Question) and question.answer == ["Douze."]


def test_the_cli_says_which_lines_were_repaired(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "half.txt").write_bytes(HEAD.encode("cp1252") + ANSWER.encode("utf-8"))
    result = runner.invoke(
        cli, ["index", "--index", str(tmp_path / "index"), str(folder)], env={"SEMSEARCH_MODEL": "fake"}
    )
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("Warning:")]
    assert warnings == [
        f"Warning: {folder / 'half.txt'}: lines 2, 4-5, 7-9 not UTF-8 like the rest, read as Windows-1252"
    ]
