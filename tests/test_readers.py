"""Readers: text and HTML pages of the Parliament of Wallonia, and JSON Lines in three shapes.

The samples are invented for these tests. The tests at the end read the real data of
``../shared`` when it is there and skip otherwise.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from indexer.readers import SUPPORTED_SUFFIXES, read_file
from indexer.readers.dates import parse_date
from indexer.readers.html_text import html_to_paragraphs
from indexer.readers.uk_export import make_title, split_uk_opening
from indexer.readers.walloon_html import parse_walloon_html
from indexer.readers.walloon_text import parse_walloon_text
from semsearch.errors import InputError
from semsearch.models import Question

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

# --- helpers -----------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    else:
        path.write_bytes(content)
    return path


def _read(path: Path) -> list[Question | InputError]:
    items = list(read_file(path))
    for item in items:
        assert isinstance(item, (Question, InputError))
        if isinstance(item, InputError):
            assert "\n" not in item.message, item.message
            assert str(path) in item.message, item.message
    return items


def _one_question(path: Path) -> Question:
    items = _read(path)
    assert len(items) == 1, items
    assert isinstance(items[0], Question), items[0]
    return items[0]


def _one_error(path: Path) -> str:
    items = _read(path)
    assert len(items) == 1, items
    assert isinstance(items[0], InputError), items[0]
    return items[0].message


def _check(question: Question, expected: dict[str, Any]) -> None:
    actual = {key: getattr(question, key) for key in expected}
    assert actual == expected


# --- Walloon text page -------------------------------------------------------------------

PAGE_HEAD = """/

L'entretien des chemins de halage le long de la Meuse

  • Session : 2023-2024
  • Année : 2024
  • N° : 112 (2023-2024) 1

3 élément(s) trouvé(s).

  • Question écrite du 12/02/2024
    • de DUPONT Claire
    • à MARTIN Paul, Ministre de la Mobilité, des Voies hydrauliques et des Infrastructures
    Les cyclistes qui empruntent le halage entre Andenne et Namur signalent des ornières.

    Quel budget la Région consacre-t-elle cette année à l'entretien de ces tronçons ?

    - combien de kilomètres ont-ils été remis en état ;
    - quel calendrier est-il prévu pour les autres ?
"""

PAGE_ANSWER = """  • Réponse du 04/03/2024
    • de MARTIN Paul
    Un marché d'entretien a été attribué en janvier pour un montant de 1,2 million d'euros.

    Les travaux reprendront au printemps, dès que le niveau du fleuve le permettra.
"""

PAGE = PAGE_HEAD + PAGE_ANSWER

PAGE_FIELDS: dict[str, Any] = {
    "assembly": "Parlement Wallon",
    "language": "fr",
    "id": None,
    "title": "L'entretien des chemins de halage le long de la Meuse",
    "session": "2023-2024",
    "number": "112 (2023-2024) 1",
    "date_asked": date(2024, 2, 12),
    "author": "DUPONT Claire",
    "addressee": "MARTIN Paul",
    "addressee_role": "Ministre de la Mobilité, des Voies hydrauliques et des Infrastructures",
    "question": [
        "Les cyclistes qui empruntent le halage entre Andenne et Namur signalent des ornières.",
        "Quel budget la Région consacre-t-elle cette année à l'entretien de ces tronçons ?",
        "- combien de kilomètres ont-ils été remis en état ;",
        "- quel calendrier est-il prévu pour les autres ?",
    ],
    "date_answered": date(2024, 3, 4),
    "answered_by": "MARTIN Paul",
    "answer": [
        "Un marché d'entretien a été attribué en janvier pour un montant de 1,2 million d'euros.",
        "Les travaux reprendront au printemps, dès que le niveau du fleuve le permettra.",
    ],
}

UNANSWERED = {**PAGE_FIELDS, "date_answered": None, "answered_by": None, "answer": []}

TEXT_GOOD = [
    pytest.param(PAGE.encode(), PAGE_FIELDS, id="noise-and-bullets"),
    pytest.param(PAGE.replace("\n", "\r\n").encode(), PAGE_FIELDS, id="crlf"),
    pytest.param(b"\xef\xbb\xbf" + PAGE.encode(), PAGE_FIELDS, id="utf8-bom"),
    pytest.param(PAGE.encode("utf-16"), PAGE_FIELDS, id="utf16-bom"),
    pytest.param(PAGE.encode("cp1252"), PAGE_FIELDS, id="cp1252"),
    pytest.param(PAGE_HEAD.encode(), UNANSWERED, id="no-answer"),
    pytest.param(
        PAGE.replace("Session : ", "Session:").replace("N° : ", "N°:").encode(),
        PAGE_FIELDS,
        id="tight-colons",
    ),
    pytest.param(PAGE.replace("N° :", "No :").encode(), PAGE_FIELDS, id="No"),
    pytest.param(PAGE.replace("N° :", "Nº :").encode(), PAGE_FIELDS, id="ordinal-sign"),
    pytest.param(
        PAGE.replace("/\n", "Accueil > Travaux > Questions écrites\n").encode(), PAGE_FIELDS, id="breadcrumb"
    ),
    pytest.param(
        PAGE.replace(", Ministre de la Mobilité, des Voies hydrauliques et des Infrastructures", "").encode(),
        {**PAGE_FIELDS, "addressee_role": None},
        id="addressee-without-role",
    ),
    pytest.param(
        PAGE.replace("12/02/2024", "12 février 2024").replace("04/03/2024", "4 mars 2024").encode(),
        PAGE_FIELDS,
        id="french-dates",
    ),
]


@pytest.mark.parametrize(("content", "expected"), TEXT_GOOD)
def test_text_page(tmp_path: Path, content: bytes, expected: dict[str, Any]) -> None:
    _check(_one_question(_write(tmp_path, "question.txt", content)), expected)


TEXT_BAD = [
    pytest.param(
        PAGE.replace("L'entretien des chemins de halage le long de la Meuse", ""), "no title", id="no-title"
    ),
    pytest.param(
        PAGE.replace("Question écrite du 12/02/2024", "12/02/2024"), "no 'Question écrite du'", id="no-q"
    ),
    pytest.param(PAGE.replace("12/02/2024", "31/02/2024"), "invalid date '31/02/2024'", id="bad-date"),
    pytest.param(
        PAGE.replace("04/03/2024", "4/13/2024"), "answer date: invalid date '4/13/2024'", id="bad-answer"
    ),
    pytest.param(PAGE_HEAD.split("    Les cyclistes")[0], "question has no text", id="no-paragraph"),
    pytest.param(
        "Bonjour,\n\nCeci est une simple note.\n", "not a Walloon written question page", id="not-a-page"
    ),
]


@pytest.mark.parametrize(("content", "error"), TEXT_BAD)
def test_text_page_errors(tmp_path: Path, content: str, error: str) -> None:
    path = _write(tmp_path, "question.txt", content)
    message = _one_error(path)
    assert error in message
    assert message.startswith(f"{path}: ")


def test_text_parser_names_its_source() -> None:
    with pytest.raises(InputError, match=r"^page-7: no title"):
        parse_walloon_text("Question écrite du 01/02/2024\nUn paragraphe.", "page-7")
    assert parse_walloon_text(PAGE, "x").question == PAGE_FIELDS["question"]


# --- Walloon HTML page -------------------------------------------------------------------

HTML_PAGE = """<!DOCTYPE html>
<!-- saved from url=(0090)https://www.parlement-wallonie.be/content/print.php?type=all&id_doc=90123 -->
<html lang="fr"><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>PW Print</title></head>
<body class="body-print"><div id="print_container">
<h4 class="text-pw-blue">La fermeture des guichets de gare en Hesbaye </h4>
<ul><li>Session : 2021-2022</li><li>Ann&eacute;e : 2022</li><li>N° : 87 (2021-2022) 1</li>\t</ul>
<ul><li class="list-group-item"><h5>Question écrite du <span class="text-pw-date">07/10/2021</span> </h5>
<ul><li>de LAMBERT Sophie</li><li>à DUBOIS Marc, Ministre du Climat&nbsp;et de la Mobilité</li></ul>
<br />Plusieurs guichets de gare de Hesbaye fermeront d&#39;ici la fin de l&rsquo;année.<br /><br />Les
usagers s'inquiètent&nbsp;:<br />- de l'accès aux billets ;<br />- de l'accueil des personnes à mobilité
réduite.<br /><br />Quelles démarches Monsieur le Ministre a-t-il entreprises&nbsp;?</li></ul>
<ul><li class="list-group-item"><h5>Réponse du <span class="text-pw-date">28/10/2021</span> </h5>
<ul><li>de DUBOIS Marc</li></ul><br />La SNCB relève de l'autorité fédérale.<br><br>J'ai toutefois
écrit à sa direction pour demander le maintien d'un accueil.</li></ul>
</div></body></html>
"""

HTML_FIELDS: dict[str, Any] = {
    "assembly": "Parlement Wallon",
    "language": "fr",
    "title": "La fermeture des guichets de gare en Hesbaye",
    "session": "2021-2022",
    "number": "87 (2021-2022) 1",
    "date_asked": date(2021, 10, 7),
    "author": "LAMBERT Sophie",
    "addressee": "DUBOIS Marc",
    "addressee_role": "Ministre du Climat et de la Mobilité",
    "question": [
        "Plusieurs guichets de gare de Hesbaye fermeront d'ici la fin de l\u2019année.",
        "Les usagers s'inquiètent : - de l'accès aux billets ; "
        "- de l'accueil des personnes à mobilité réduite.",
        "Quelles démarches Monsieur le Ministre a-t-il entreprises ?",
    ],
    "date_answered": date(2021, 10, 28),
    "answered_by": "DUBOIS Marc",
    "answer": [
        "La SNCB relève de l'autorité fédérale.",
        "J'ai toutefois écrit à sa direction pour demander le maintien d'un accueil.",
    ],
    "source_ref": "90123",
    "url": "https://www.parlement-wallonie.be/content/print.php?type=all&id_doc=90123",
}

_NO_COMMENT = HTML_PAGE.split("\n", 2)
HTML_WITHOUT_COMMENT = _NO_COMMENT[0] + "\n" + _NO_COMMENT[2]
_ANONYMOUS = {**HTML_FIELDS, "source_ref": None, "url": None}
_CP1252_PAGE = HTML_WITHOUT_COMMENT.replace("charset=UTF-8", "charset=windows-1252").replace("<br />", "<br>")

HTML_GOOD = [
    pytest.param("q.html", HTML_PAGE.encode(), HTML_FIELDS, id="utf8-saved-page"),
    pytest.param(
        "PW_4711.html", HTML_WITHOUT_COMMENT.encode(), {**_ANONYMOUS, "source_ref": "4711"}, id="file-id"
    ),
    pytest.param("page.htm", HTML_WITHOUT_COMMENT.encode(), _ANONYMOUS, id="htm-no-id"),
    pytest.param(
        "PW_4711.HTML", _CP1252_PAGE.encode("cp1252"), {**_ANONYMOUS, "source_ref": "4711"}, id="cp1252"
    ),
    pytest.param(
        "q.html",
        HTML_WITHOUT_COMMENT.replace(
            '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">', ""
        )
        .replace("<br />", "<br/>")
        .encode("cp1252"),
        _ANONYMOUS,
        id="cp1252-undeclared",
    ),
    pytest.param("q.html", HTML_PAGE.replace("\n", "\r\n").encode("utf-16"), HTML_FIELDS, id="utf16"),
]


@pytest.mark.parametrize(("name", "content", "expected"), HTML_GOOD)
def test_html_page(tmp_path: Path, name: str, content: bytes, expected: dict[str, Any]) -> None:
    _check(_one_question(_write(tmp_path, name, content)), expected)


_CUT_IN_QUESTION = HTML_PAGE.index("Les\nusagers")
_CUT_IN_ANSWER = HTML_PAGE.index("toutefois")

HTML_TRUNCATED = [
    pytest.param(
        HTML_PAGE[:_CUT_IN_QUESTION],
        {"question": HTML_FIELDS["question"][:1], "answer": [], "date_answered": None},
        id="in-question",
    ),
    pytest.param(
        HTML_PAGE[: HTML_PAGE.index("<br />- de l'accès") + 4],
        {"question": [*HTML_FIELDS["question"][:1], "Les usagers s'inquiètent :"], "answer": []},
        id="inside-a-tag",
    ),
    pytest.param(
        HTML_PAGE[:_CUT_IN_ANSWER],
        {"answer": ["La SNCB relève de l'autorité fédérale.", "J'ai"], "answered_by": "DUBOIS Marc"},
        id="in-answer",
    ),
]


@pytest.mark.parametrize(("content", "expected"), HTML_TRUNCATED)
def test_html_truncated_keeps_what_is_there(tmp_path: Path, content: str, expected: dict[str, Any]) -> None:
    _check(_one_question(_write(tmp_path, "q.html", content)), expected)


def test_html_truncated_anywhere_never_crashes(tmp_path: Path) -> None:
    start = HTML_PAGE.index("<ul><li class")
    path = tmp_path / "q.html"
    outcomes = set()
    for end in range(start, len(HTML_PAGE) + 1, 3):
        path.write_text(HTML_PAGE[:end], encoding="utf-8")
        items = _read(path)
        assert len(items) == 1
        outcomes.add(type(items[0]).__name__)
    assert outcomes == {"Question", "InputError"}


HTML_BAD = [
    pytest.param(
        b"<html><body><h1>Bienvenue</h1><p>Rien ici.</p></body></html>", "not a Walloon", id="other"
    ),
    pytest.param(HTML_PAGE[: HTML_PAGE.index("07/10") + 4].encode(), "invalid date '07/1'", id="cut-in-date"),
    pytest.param(
        HTML_PAGE[: HTML_PAGE.index("<br />Plusieurs")].encode(), "question has no text", id="cut-early"
    ),
    pytest.param(re.sub(r"<h4.*?</h4>", "", HTML_PAGE).encode(), "no title", id="no-title"),
]


@pytest.mark.parametrize(("content", "error"), HTML_BAD)
def test_html_page_errors(tmp_path: Path, content: bytes, error: str) -> None:
    assert error in _one_error(_write(tmp_path, "q.html", content))


def test_html_parser_takes_id_from_source_name() -> None:
    question = parse_walloon_html(HTML_WITHOUT_COMMENT, "/data/pages/PW_555.htm")
    assert question.source_ref == "555"
    assert question.title == HTML_FIELDS["title"]


HTML_FRAGMENTS = [
    pytest.param(
        "<p>Un.</p><p>&nbsp;</p><p> </p><p>Deux &amp; trois.</p>", ["Un.", "Deux & trois."], id="empty-p"
    ),
    pytest.param("a<br>b<br><br>c<br />\n<br/>d", ["a b", "c", "d"], id="br"),
    pytest.param("<p>one<br> <br>two</p>", ["one", "two"], id="br-br-in-p"),
    pytest.param("<ul><li>x</li><li>y</li></ul>", ["x", "y"], id="list"),
    pytest.param(
        "<table><tr><th>Year</th><th>Cost</th></tr><tr><td><p>2024</p></td><td>£5</td></tr></table>",
        ["Year | Cost", "2024 | £5"],
        id="table",
    ),  # fmt: skip
    pytest.param("<p>Cut <a hre", ["Cut"], id="cut-tag"),
    pytest.param("<script>var a = '<p>no</p>';</script><p>yes</p>", ["yes"], id="script"),
    pytest.param("", [], id="empty"),
]


@pytest.mark.parametrize(("markup", "expected"), HTML_FRAGMENTS)
def test_html_to_paragraphs(markup: str, expected: list[str]) -> None:
    assert html_to_paragraphs(markup) == expected


# --- JSON Lines --------------------------------------------------------------------------

CANONICAL = {
    "assembly": "Parlement Wallon",
    "session": "2022-2023",
    "number": "15 (2022-2023) 2",
    "title": "Les primes à la rénovation",
    "date_asked": "2022-11-03",
    "author": "DURAND Luc",
    "addressee": "LEROY Anne, Ministre du Logement",
    "question": "Combien de primes ont été versées ?\n\nDans quels délais ?",
    "language": "fr",
}

WALLOON_EXPORT = {
    "id": "77",
    "assembly": "Parlement Wallon",
    "assembly_ref": "61234",
    "session": "2013-2014",
    "year": "2013",
    "number": "9 (2013-2014) 1",
    "title": "l'avenir des halls relais agricoles",
    "date_asked": "2013-10-15",
    "asked_by": "PIRET\u00a0 Jules",
    "asked_to": "GILLET\u00a0Nadia",
    "question": "Plusieurs halls relais restent vides.\n\nQuelle aide la Région prévoit-elle ?",
    "date_answer": None,
    "answered_by": None,
    "answer": None,
}

CHAMBER_EXPORT = {
    "id": "600",
    "assembly": "Chambre des représentants",
    "assembly_ref": "53-B010-123-0456",
    "session": None,
    "year": "2010",
    "number": None,
    "title": "Contrôles techniques. - Délais.",
    "date_asked": "2010-09-21",
    "asked_by": "Lemaire Jeanne",
    "asked_to": "Secrétaire d'État à la Mobilité, adjoint au premier ministre",
    "question": "Les délais d'attente s'allongent.",
    "date_answer": "2010-11-02",
    "answered_by": "Secrétaire d'État à la Mobilité",
    "answer": "1. Les délais moyens sont de trois semaines.\n2. Deux centres ouvriront.\n\nUn suivi suivra.",
}

UK_RECORD = {
    "id": "2001234",
    "month": "2024-02",
    "question_text": "To ask the Secretary of State for Environment, Food and Rural Affairs, what steps "
    "his Department is taking to reduce litter on motorway verges; and if he will make a statement.",
    "answer_text": "<p>Litter on the strategic road network is the responsibility of National Highways.</p>"
    "<p>&nbsp;</p><p>We have asked it to publish a plan<br>by the summer.</p>",
}

JSONL_GOOD = [
    pytest.param(
        CANONICAL,
        {
            "id": None,
            "qid": "parlement-wallon-2022-2023-15-2-leroy-anne",
            "date_asked": date(2022, 11, 3),
            "addressee": "LEROY Anne, Ministre du Logement",
            "question": ["Combien de primes ont été versées ?", "Dans quels délais ?"],
            "answered": False,
        },
        id="canonical",
    ),
    pytest.param(
        {
            **CANONICAL,
            "date_asked": "03/11/2022",
            "answer": ["Trois cents.", ""],
            "date_answered": "1er décembre 2022",
        },
        {"date_asked": date(2022, 11, 3), "date_answered": date(2022, 12, 1), "answer": ["Trois cents."]},
        id="canonical-lenient-dates",
    ),
    pytest.param(
        WALLOON_EXPORT,
        {
            "id": "77",
            "assembly": "Parlement Wallon",
            "source_ref": "61234",
            "session": "2013-2014",
            "number": "9 (2013-2014) 1",
            "title": "l'avenir des halls relais agricoles",
            "date_asked": date(2013, 10, 15),
            "author": "PIRET Jules",
            "addressee": "GILLET Nadia",
            "addressee_role": None,
            "question": ["Plusieurs halls relais restent vides.", "Quelle aide la Région prévoit-elle ?"],
            "answer": [],
            "date_answered": None,
            "language": "fr",
        },
        id="walloon-export",
    ),
    pytest.param(
        CHAMBER_EXPORT,
        {
            "session": None,
            "number": None,
            "addressee": "Secrétaire d'État à la Mobilité, adjoint au premier ministre",
            "addressee_role": None,
            "answered_by": "Secrétaire d'État à la Mobilité",
            "date_answered": date(2010, 11, 2),
            "answer": [
                "1. Les délais moyens sont de trois semaines. 2. Deux centres ouvriront.",
                "Un suivi suivra.",
            ],
            "source_ref": "53-B010-123-0456",
        },
        id="chamber-export",
    ),
    pytest.param(
        UK_RECORD,
        {
            "id": "2001234",
            "assembly": "House of Commons",
            "language": "en",
            "date_asked": date(2024, 2, 1),
            "addressee": "Secretary of State for Environment, Food and Rural Affairs",
            "addressee_role": None,
            "title": "What steps his Department is taking to reduce litter on motorway verges; "
            "and if he will make a statement.",
            "question": [UK_RECORD["question_text"]],
            "answer": [
                "Litter on the strategic road network is the responsibility of National Highways.",
                "We have asked it to publish a plan by the summer.",
            ],
        },
        id="uk",
    ),
    pytest.param(
        {
            "id": 5,
            "month": "2024-03",
            "question_text": "To ask the Prime Minister, when he will visit Wales.",
            "answer_text": None,
        },
        {"id": "5", "addressee": "Prime Minister", "title": "When he will visit Wales.", "answered": False},
        id="uk-unanswered",
    ),  # fmt: skip
]


@pytest.mark.parametrize(("record", "expected"), JSONL_GOOD)
def test_jsonl_record(tmp_path: Path, record: dict[str, Any], expected: dict[str, Any]) -> None:
    path = _write(tmp_path, "data.jsonl", "\n" + json.dumps(record, ensure_ascii=False) + "\n\n")
    _check(_one_question(path), expected)


NESTED = "[" * 100_000 + "]" * 100_000

JSONL_BAD = [
    pytest.param('{"title": "cut', "invalid JSON", id="invalid-json"),
    pytest.param("[1, 2]", "expected a JSON object, got array", id="array"),
    pytest.param('"just text"', "expected a JSON object, got string", id="string"),
    pytest.param("null", "got null", id="null"),
    pytest.param(NESTED, "nested too deeply", id="deeply-nested"),
    pytest.param("1" * 5000, "invalid JSON", id="huge-number"),
    pytest.param(
        json.dumps({k: v for k, v in CANONICAL.items() if k != "title"}),
        "field 'title' is required",
        id="canonical-no-title",
    ),  # fmt: skip
    pytest.param(json.dumps({**CANONICAL, "question": 42}), "field 'question'", id="canonical-wrong-type"),
    pytest.param(
        json.dumps({**CANONICAL, "date_asked": "2022-13-01"}),
        "field 'date_asked': invalid date",
        id="canonical-bad-date",
    ),  # fmt: skip
    pytest.param(json.dumps({**CANONICAL, "colour": "blue"}), "field 'colour'", id="canonical-extra-field"),
    pytest.param(
        json.dumps({**WALLOON_EXPORT, "title": None}), "field 'title' is required", id="export-no-title"
    ),
    pytest.param(
        json.dumps({**WALLOON_EXPORT, "title": 42}),
        "field 'title' must be a string, got number",
        id="export-wrong-type",
    ),  # fmt: skip
    pytest.param(
        json.dumps({**WALLOON_EXPORT, "date_asked": "2013-02-30"}),
        "field 'date_asked': invalid date '2013-02-30'",
        id="export-bad-date",
    ),  # fmt: skip
    pytest.param(
        json.dumps({**WALLOON_EXPORT, "question": ""}), "field 'question' is empty", id="export-no-text"
    ),
    pytest.param(
        json.dumps({**UK_RECORD, "month": "2024-13"}), "field 'month': invalid month", id="uk-bad-month"
    ),
    pytest.param(
        json.dumps({**UK_RECORD, "answer_text": 3}),
        "field 'answer_text' must be a string",
        id="uk-wrong-type",
    ),  # fmt: skip
    pytest.param(
        json.dumps({**UK_RECORD, "question_text": "  "}), "field 'question_text' is empty", id="uk-empty"
    ),
]


@pytest.mark.parametrize(("line", "error"), JSONL_BAD)
def test_jsonl_bad_line_is_reported_and_skipped(tmp_path: Path, line: str, error: str) -> None:
    good = json.dumps(CANONICAL, ensure_ascii=False)
    path = _write(tmp_path, "data.ndjson", f"{good}\n{line}\n\n{good}\n")
    items = _read(path)
    assert [type(item).__name__ for item in items] == ["Question", "InputError", "Question"]
    message = items[1].message if isinstance(items[1], InputError) else ""
    assert message.startswith(f"{path}:2: ")
    assert error in message


def test_jsonl_counts_lines_after_blank_ones(tmp_path: Path) -> None:
    path = _write(tmp_path, "data.jsonl", "\n\n" + json.dumps(CANONICAL) + "\n\n{}\n")
    items = _read(path)
    assert isinstance(items[0], Question)
    assert isinstance(items[1], InputError)
    assert items[1].message.startswith(f"{path}:5: ")


# --- file-level problems -----------------------------------------------------------------

BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4

FILE_BAD = [
    pytest.param("empty.txt", b"", "is empty", id="empty-txt"),
    pytest.param("empty.html", b"  \n\n", "is empty", id="blank-html"),
    pytest.param("empty.jsonl", b"", "is empty (no records)", id="empty-jsonl"),
    pytest.param("blank.jsonl", b"\n  \n\r\n", "is empty (no records)", id="blank-jsonl"),
    pytest.param("image.txt", BINARY, "binary file", id="binary-txt"),
    pytest.param("image.html", BINARY, "binary file", id="binary-html"),
    pytest.param("image.jsonl", BINARY, "binary file", id="binary-jsonl"),
    pytest.param("controls.txt", bytes(range(1, 32)) * 10, "binary file", id="control-chars"),
    pytest.param("question.pdf", PAGE.encode(), "unsupported file type '.pdf'", id="suffix"),
    pytest.param("question", PAGE.encode(), "unsupported file type without a suffix", id="no-suffix"),
]


@pytest.mark.parametrize(("name", "content", "error"), FILE_BAD)
def test_file_level_problem_is_one_error(tmp_path: Path, name: str, content: bytes, error: str) -> None:
    assert error in _one_error(_write(tmp_path, name, content))


def test_directory_is_one_error(tmp_path: Path) -> None:
    folder = tmp_path / "looks-like.jsonl"
    folder.mkdir()
    assert "is a directory" in _one_error(folder)


def test_missing_file_is_one_error(tmp_path: Path) -> None:
    assert "file not found" in _one_error(tmp_path / "absent.txt")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
@pytest.mark.parametrize("name", ["locked.txt", "locked.jsonl"])
def test_unreadable_file_is_one_error(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, name, PAGE)
    path.chmod(0)
    try:
        assert "permission denied" in _one_error(path)
    finally:
        path.chmod(0o600)


@pytest.mark.parametrize("name", ["denied.txt", "denied.html", "denied.jsonl"])
def test_open_refused_is_one_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    # The same as an unreadable file, but testable as root too.
    path = _write(tmp_path, name, PAGE)

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    # Readers open a file with os.open (to check it is a regular file before reading it).
    monkeypatch.setattr(Path, "open", refuse)
    monkeypatch.setattr(os, "open", refuse)
    assert _one_error(path) == f"{path}: permission denied"


def test_suffixes() -> None:
    assert frozenset({".txt", ".html", ".htm", ".jsonl", ".ndjson"}) == SUPPORTED_SUFFIXES


# --- dates, titles, UK openings ----------------------------------------------------------

DATES = [
    ("2023-04-05", date(2023, 4, 5)),
    ("2023-04-05T10:30:00", date(2023, 4, 5)),
    ("2023-04-05T23:30:00+02:00", date(2023, 4, 5)),
    ("2023-04-05T10:30:00Z", date(2023, 4, 5)),
    ("2023-04-05 10:30", date(2023, 4, 5)),
    ("05/04/2023", date(2023, 4, 5)),
    ("5/4/2023", date(2023, 4, 5)),
    ("05-04-2023", date(2023, 4, 5)),
    ("05.04.2023", date(2023, 4, 5)),
    (" 05/04/2023\u00a0", date(2023, 4, 5)),
    ("5 avril 2023", date(2023, 4, 5)),
    ("1er mars 2023", date(2023, 3, 1)),
    ("mercredi 5 avril 2023", date(2023, 4, 5)),
    ("12 Décembre 2023", date(2023, 12, 12)),
    ("3 août 2023", date(2023, 8, 3)),
    ("3 aout 2023", date(2023, 8, 3)),
    ("17 février 2021", date(2021, 2, 17)),
    ("5 April 2023", date(2023, 4, 5)),
    ("Wednesday, 5 April 2023", date(2023, 4, 5)),
]


@pytest.mark.parametrize(("value", "expected"), DATES)
def test_parse_date(value: str, expected: date) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value", ["2023-02-30", "32/01/2023", "05/13/2023", "5 avrul 2023", "", "hier", "2023", 42]
)
def test_parse_date_rejects(value: object) -> None:
    with pytest.raises(InputError) as caught:
        parse_date(value)
    assert caught.value.message == f"invalid date {value!r}"


UK_OPENINGS = [
    (
        "To ask the Secretary of State for Work and Pensions, what support",
        "Secretary of State for Work and Pensions",
        None,
        "what support",
    ),
    (
        "To ask the Chancellor of the Exchequer, if she will",
        "Chancellor of the Exchequer",
        None,
        "if she will",
    ),
    (
        "To ask the Secretary of State for Culture, Media and Sport, whether",
        "Secretary of State for Culture, Media and Sport",
        None,
        "whether",
    ),
    (
        "To ask the Minister of State, Foreign, Commonwealth and Development Office, what",
        "Minister of State, Foreign, Commonwealth and Development Office",
        None,
        "what",
    ),
    (
        "To ask the hon. Member for Northtown, representing the Church Commissioners, how many",
        "hon. Member for Northtown",
        "representing the Church Commissioners",
        "how many",
    ),
    (
        "To ask the Secretary of State for the Home Department what number",
        "Secretary of State for the Home Department",
        None,
        "what number",
    ),
    (
        "To ask the Secretary of State for Transport, Pursuant to the Answer of 3 May",
        "Secretary of State for Transport",
        None,
        "Pursuant to the Answer of 3 May",
    ),
    (
        "To ask Mr Speaker, how",
        "Mr Speaker",
        None,
        "how",
    ),
    (
        "What is the cost of this?",
        None,
        None,
        "What is the cost of this?",
    ),
]


@pytest.mark.parametrize(("text", "addressee", "role", "rest"), UK_OPENINGS)
def test_split_uk_opening(text: str, addressee: str | None, role: str | None, rest: str) -> None:
    assert split_uk_opening(text) == (addressee, role, rest)


def test_make_title_cuts_at_a_word() -> None:
    words = "what assessment his Department has made of the potential impact of rising energy costs " * 3
    title = make_title(words)
    assert title.startswith("What assessment his Department")
    assert title.endswith("…")
    assert len(title) <= 120
    assert " ".join(title[:-1].split()) in " ".join(("W" + words[1:]).split())
    assert make_title("short one.") == "Short one."


# --- the real data of ../shared ----------------------------------------------------------

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} (the shared data set) is absent")


@pytest.mark.shared
@needs_shared
def test_shared_seed_text_page() -> None:
    question = _one_question(SHARED / "seed" / "question-ecrite-574-2022-2023.txt")
    _check(
        question,
        {
            "title": "La stratégie numérique au service des entreprises wallonnes",
            "assembly": "Parlement Wallon",
            "session": "2022-2023",
            "number": "574 (2022-2023) 1",
            "date_asked": date(2023, 4, 5),
            "author": "HARDY Maxime",
            "addressee": "BORSUS Willy",
            "answered": True,
            "answered_by": "BORSUS Willy",
            "date_answered": date(2023, 4, 26),
            "language": "fr",
        },
    )
    assert len(question.question) == 7
    assert len(question.answer) == 10
    assert question.addressee_role is not None and question.addressee_role.startswith(
        "Ministre de l'Economie"
    )
    assert not any(p.startswith(("•", "de ", "à ")) for p in question.question + question.answer)


SHARED_PAGES = [
    ("PW_36256.html", 'L\'"Open Data - Open Government"', "594 (2010-2011) 1", date(2011, 8, 29), True),
    ("PW_50054.html", "La baisse de l'emploi dans les P.M.E.", "467 (2012-2013) 1", date(2013, 9, 13), False),
    ("PW_50370.html", "Le coût élevé de l'éolien", "51 (2013-2014) 1", date(2013, 10, 4), True),
]


@pytest.mark.shared
@needs_shared
@pytest.mark.parametrize(("name", "title", "number", "asked", "answered"), SHARED_PAGES)
def test_shared_html_pages(name: str, title: str, number: str, asked: date, answered: bool) -> None:
    question = _one_question(SHARED / "corpus" / "wallonia" / name)
    _check(
        question,
        {
            "title": title,
            "number": number,
            "date_asked": asked,
            "answered": answered,
            "source_ref": name[3:-5],
            "assembly": "Parlement Wallon",
        },
    )
    assert question.author and question.addressee and question.addressee_role
    assert len(question.question) >= 5
    assert all("&nbsp;" not in p and "<" not in p for p in question.question + question.answer)


@pytest.mark.shared
@needs_shared
def test_shared_walloon_export() -> None:
    items = _read(SHARED / "corpus" / "wallonia" / "written_questions_2010_2014.jsonl")
    questions = [item for item in items if isinstance(item, Question)]
    assert len(items) == 529
    assert len(questions) == 529
    assert sum(q.assembly == "Parlement Wallon" for q in questions) == 359
    assert sum(q.answered for q in questions) == 200
    assert all(q.id and q.source_ref for q in questions)
    assert not any("\u00a0" in (q.author or "") + (q.addressee or "") for q in questions)
    # Walloon numbers restart per minister: derived identities must still be distinct. Six
    # questions name their minister 'Unknown': no minister, so no natural key.
    walloon = [q for q in questions if q.assembly == "Parlement Wallon"]
    keys = [q.natural_key for q in walloon if q.natural_key]
    assert len(set(keys)) == len(keys) == len(walloon) - 6
    assert not any(q.addressee == "Unknown" for q in questions)


@pytest.mark.shared
@needs_shared
def test_shared_uk_export_first_500() -> None:
    path = SHARED / "corpus" / "uk" / "commons_written_questions_2023-09_2025-06.jsonl"
    items = list(itertools.islice(read_file(path), 500))
    questions = [item for item in items if isinstance(item, Question)]
    assert len(questions) == 500
    for question in questions:
        assert question.addressee and not question.addressee.lower().startswith("to ask")
        assert question.assembly == "House of Commons" and question.language == "en"
        assert question.date_asked is not None and question.date_asked.day == 1
        assert 0 < len(question.title) <= 120 and not question.title.startswith("To ask")
    assert sum(q.answered for q in questions) >= 490


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("BORSUS Willy, Ministre de l'Économie", ("BORSUS Willy", "Ministre de l'Économie")),
        ("DI ANTONIO Carlo", ("DI ANTONIO Carlo", None)),
        # A function without a name stays whole: its second half is not a portfolio.
        (
            "Secrétaire d'État à la Mobilité, adjoint au premier ministre",
            ("Secrétaire d'État à la Mobilité, adjoint au premier ministre", None),
        ),
        (
            "Vice-premier ministre et ministre des Finances",
            ("Vice-premier ministre et ministre des Finances", None),
        ),
        ("Unknown", (None, None)),
        ("  ", (None, None)),
        (None, (None, None)),
    ],
)
def test_split_addressee(value: str | None, expected: tuple[str | None, str | None]) -> None:
    from indexer.readers.questions import split_addressee

    assert split_addressee(value) == expected
