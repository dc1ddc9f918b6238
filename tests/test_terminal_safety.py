"""Escape sequences in a title, an author or a file name never reach the terminal, and an error
line stays one line (issue 15, item 8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from semsearch.cli.app import app as cli
from semsearch.cli.safe_text import escaped, json_safe, shown
from semsearch.models import Question
from semsearch.service import SearchService
from semsearch.settings import Settings

runner = CliRunner()
CLEAR_AND_TITLE = "\x1b[2J\x1b]0;pwned\x07"
CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4=\x07"  # OSC 52: write the clipboard
FAKE_LINK = "\x1b]8;;https://evil.example\x1b\\Ministère\x1b]8;;\x1b\\"  # OSC 8
C1_CSI = "\x9b31m"  # the 8-bit form of ESC [
CONTROLS = ("\x1b", "\x9b", "\x07", "\x9d")


def hostile(n: int) -> Question:
    return Question.model_validate(
        {
            "id": f"h{n}",
            "assembly": "Parlement Wallon",
            "title": f"Les primes{CLEAR_AND_TITLE} à la rénovation",
            "author": f"LAMBERT{CLIPBOARD} Sophie",
            "addressee": f"DUPONT{C1_CSI} Marc",
            "addressee_role": FAKE_LINK,
            "question": [f"Les primes à la rénovation tardent.{CLEAR_AND_TITLE}"],
            "answer": [f"Réponse{FAKE_LINK}."],
            "answered_by": f"DUPONT{C1_CSI} Marc",
        }
    )


@pytest.fixture
def index(settings: Settings) -> Path:
    with SearchService.open(settings) as service:
        service.upsert([hostile(1), hostile(2)])
    return settings.index_path


@pytest.mark.parametrize(
    "command",
    [
        ["search", "primes rénovation"],
        ["search", "primes rénovation", "--json"],
        ["show", "h1"],
        ["show", "h1", "--json"],
        ["duplicates", "--threshold", "0.5"],
        ["duplicates", "--threshold", "0.5", "--json"],
        ["related", "h1"],
    ],
)
def test_no_control_character_is_printed(index: Path, command: list[str]) -> None:
    result = runner.invoke(cli, [*command, "--index", str(index)], env={"SEMSEARCH_MODEL": "fake"})
    assert result.exit_code == 0, result.output
    assert "primes" in result.output.lower() or "h1" in result.output
    assert not any(c in result.output for c in CONTROLS), repr(result.output[:500])


def test_json_output_keeps_the_values(index: Path) -> None:
    result = runner.invoke(
        cli, ["show", "h1", "--json", "--index", str(index)], env={"SEMSEARCH_MODEL": "fake"}
    )
    assert json.loads(result.output)["addressee"] == f"DUPONT{C1_CSI} Marc"  # escaped, not lost


def test_an_error_naming_a_hostile_file_is_one_harmless_line(tmp_path: Path) -> None:
    folder = tmp_path / "input"
    folder.mkdir()
    (folder / "bad\x1b[31m\nred [blink] [bold]name.jsonl").write_text("{not json}\n", encoding="utf-8")
    result = runner.invoke(
        cli, ["index", "--index", str(tmp_path / "index"), str(folder)], env={"SEMSEARCH_MODEL": "fake"}
    )
    errors = [line for line in result.output.splitlines() if "Error" in line]
    assert result.exit_code == 1 and len(errors) == 1, result.output
    assert (
        "\x1b" not in result.output
        and "bad\\x1b[31m\\nred [blink] [bold]name.jsonl:1: invalid JSON" in errors[0]
    )


def test_the_rules() -> None:
    assert shown("a\x1b[2Jb\nc\td\x9b") == "a[2Jb c d"
    assert escaped("a\x1b\n") == "a\\x1b\\n"
    assert json.loads(json_safe(json.dumps({"t": "a\x9bb\x7f"}, ensure_ascii=False))) == {"t": "a\x9bb\x7f"}
    assert "\x9b" not in json_safe(json.dumps({"t": "a\x9bb"}, ensure_ascii=False))
