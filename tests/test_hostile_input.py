"""Hostile and broken input: a folder of bad files next to good ones, and hostile queries.

The folder is made here: truncated HTML, wrong encodings, empty, binary and huge files, a huge
paragraph, JSON with missing or wrongly typed fields, dates in other formats, duplicate ids,
deeply nested JSON, symbolic links. Each bad file must get exactly one ``Error:`` line naming it;
every good file next to them must be indexed, whole; a second run must change nothing.
"""

from __future__ import annotations

import json
import os
import random
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from semsearch.cli.app import app as cli
from semsearch.service import SearchService
from semsearch.settings import Settings
from tests.support.api import running
from tests.support.questions import french_questions
from tests.support.settings import fake_settings

runner = CliRunner()
MB = 1_000_000


def record(qid: str, title: str, question: str | list[str], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": qid, "assembly": "Parlement Wallon", "title": title, "question": question}
    data.update(extra)
    return data


def jsonl(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def text_page(title: str, number: int, question: list[str], answer: list[str] | None = None) -> str:
    lines = [
        "/",
        title,
        "Session : 2021-2022",
        "Année : 2022",
        f"N° : {number} (2021-2022) 1",
        "Question écrite du 14/02/2022",
        "de LAMBERT Sophie",
        "à DUPONT Marc, Ministre du Logement",
        *question,
    ]
    if answer:
        lines += ["Réponse du 10/03/2022", "de DUPONT Marc", *answer]
    return "\n\n".join(lines) + "\n"


def html_page(title: str, number: int, question: list[str], charset: str = "utf-8") -> str:
    paragraphs = "<br /><br />".join(question)
    return (
        f'<!DOCTYPE html>\n<html lang="fr"><head><meta charset="{charset}"><title>PW Print</title></head>\n'
        f'<body><div id="print_container"><h4>{title}</h4><ul><li>Session : 2021-2022</li>'
        f"<li>Année : 2022</li><li>N° : {number} (2021-2022) 1</li></ul>"
        '<ul><li><h5>Question écrite du <span class="text-pw-date">14/02/2022</span></h5>'
        f"<ul><li>de LAMBERT Sophie</li><li>à DUPONT Marc, Ministre du Logement</li></ul><br />{paragraphs}"
        "</li></ul></div></body></html>\n"
    )


def page_id(number: int) -> str:
    return f"parlement-wallon-2021-2022-{number}-1-dupont-marc"


# -- the good files ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Good:
    """A question a good file holds, as ``show --json`` must give it back."""

    qid: str
    title: str
    question: list[str]
    answer: tuple[str, ...] = ()
    date_asked: str | None = None


def _sentences(size: int) -> str:
    rng = random.Random(200)
    words = "rénovation primes délais ménages communes budget administration dossiers région".split()
    parts: list[str] = []
    length = 0
    n = 0
    while length < size:
        n += 1
        sentence = f"Phrase {n} : " + " ".join(rng.choice(words) for _ in range(rng.randint(5, 20))) + "."
        parts.append(sentence)
        length += len(sentence) + 1
    return " ".join(parts)


BIG_PARAGRAPH = _sentences(200_000)
CP1252_TITLE = "Les œuvres d’art dans les bâtiments régionaux"
LATIN1_TITLE = "Les élèves à besoins spécifiques"
UTF16_TITLE = "Le coût des études supérieures à Mons"

GOOD = [
    Good("g1", "Les retards de paiement des primes", ["Monsieur le Ministre, où en sont les primes ?"]),
    Good("g2", "Les pistes cyclables à Namur", ["Le réseau progresse-t-il ?"], ("Il progresse.",)),
    Good(page_id(301), CP1252_TITLE, ["Quelles œuvres ont été acquises en 2021 ?"], ("Douze œuvres.",)),
    Good(page_id(302), LATIN1_TITLE, ["Combien d'élèves sont concernés ?", "Quel budget est prévu ?"]),
    Good(page_id(303), UTF16_TITLE, ["Le coût d'une année d'études a-t-il été évalué ?"]),
    Good("u16", "Une question en UTF-16", ["Le fichier est en UTF-16 avec sa marque d'ordre."]),
    Good("w1252", "Cœur de ville et commerces", ["Les commerçants s’inquiètent."]),
    Good("d1", "Date en DD/MM/YYYY", ["Texte."], date_asked="2022-02-14"),
    Good("d2", "Date en toutes lettres", ["Texte."], date_asked="2022-02-14"),
    Good("d3", "Date avec une heure", ["Texte."], date_asked="2022-02-14"),
    Good("big", "Un paragraphe de 200 kB", [BIG_PARAGRAPH]),
    Good("after-huge", "La ligne après une ligne de 30 MB", ["Elle est lue."]),
    Good("dup-1", "Doublon dans un fichier : la première version", ["Première version."]),
    Good("dup-2", "Doublon entre deux fichiers : celle du premier fichier", ["Premier fichier."]),
]


def make_good(folder: Path) -> None:
    (folder / "good.jsonl").write_text(
        jsonl(
            record("g1", GOOD[0].title, GOOD[0].question),
            record("g2", GOOD[1].title, GOOD[1].question, answer=list(GOOD[1].answer)),
        ),
        encoding="utf-8",
    )
    page = text_page(CP1252_TITLE, 301, GOOD[2].question, list(GOOD[2].answer))
    (folder / "cp1252.txt").write_bytes(page.encode("cp1252"))
    (folder / "latin1.html").write_bytes(
        html_page(LATIN1_TITLE, 302, GOOD[3].question, "iso-8859-1").encode("latin-1")
    )
    (folder / "utf16.txt").write_bytes(text_page(UTF16_TITLE, 303, GOOD[4].question).encode("utf-16"))
    (folder / "utf16.jsonl").write_bytes(
        jsonl(record("u16", GOOD[5].title, GOOD[5].question)).encode("utf-16")
    )
    (folder / "cp1252.jsonl").write_bytes(
        jsonl(record("w1252", GOOD[6].title, GOOD[6].question)).encode("cp1252")
    )
    (folder / "dates.jsonl").write_text(
        jsonl(
            record("d1", GOOD[7].title, "Texte.", date_asked="14/02/2022"),
            record("d2", GOOD[8].title, "Texte.", date_asked="14 février 2022"),
            record("d3", GOOD[9].title, "Texte.", date_asked="2022-02-14T09:30:00"),
        ),
        encoding="utf-8",
    )
    (folder / "big-paragraph.jsonl").write_text(
        jsonl(record("big", GOOD[10].title, [BIG_PARAGRAPH])), "utf-8"
    )
    # Two records claiming one id: the first is indexed, the later one reported and skipped.
    (folder / "dup-in-file.jsonl").write_text(
        jsonl(
            record("dup-1", GOOD[12].title, GOOD[12].question),
            record("dup-1", "Doublon dans un fichier : la seconde version", "Seconde version."),
        ),
        encoding="utf-8",
    )
    (folder / "dup-a.jsonl").write_text(jsonl(record("dup-2", GOOD[13].title, GOOD[13].question)), "utf-8")
    (folder / "dup-b.jsonl").write_text(
        jsonl(record("dup-2", "Doublon : second fichier", "Second.")), "utf-8"
    )
    # Links that must neither hang the walk nor index anything twice.
    (folder / "same-as-good.jsonl").symlink_to("good.jsonl")
    (folder / "parent").symlink_to(".", target_is_directory=True)


# -- the bad files: (name, maker, what its one error line says) -------------------------------------
def _write(content: str | bytes) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    return make


def _huge_line(path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"id": "huge", "assembly": "Parlement Wallon", "title": "Énorme", "question": "')
        chunk = "paragraphe sans fin " * 5000
        for _ in range(30 * MB // len(chunk) + 1):
            handle.write(chunk)
        handle.write('"}\n')
        handle.write(jsonl(record("after-huge", GOOD[11].title, GOOD[11].question)))


def _huge_page(path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        line = "Une ligne de texte d'une page bien trop grande pour être une question.\n"
        for _ in range(21 * MB // len(line) + 1):
            handle.write(line)


def _link(target: str) -> Callable[[Path], None]:
    return lambda path: path.symlink_to(target)


_RANDOM = random.Random(7).randbytes(4096)
_TRUNCATED = html_page("Une page coupée", 304, ["Texte."])[:150]
_DEEP_FIELD = '{"id": "n1", "assembly": "A", "title": "T", "question": "Q", "answer": ' + '{"a": ' * 5000


def _line(**fields: Any) -> Callable[[Path], None]:
    """A JSON Lines file of one record: a valid one, with ``fields`` changed."""
    return _write(
        jsonl({"id": "x", "assembly": "Parlement Wallon", "title": "Titre", "question": "Q.", **fields})
    )


BAD: list[tuple[str, Callable[[Path], None], str]] = [
    ("truncated.html", _write(_TRUNCATED), "not a Walloon written question page"),
    ("no-bom-utf16.txt", _write(text_page("Sans BOM", 305, ["Texte."]).encode("utf-16-le")), "binary file"),
    ("empty.txt", _write(""), "is empty"),
    ("blank.html", _write("  \n\n\t \n"), "is empty"),
    ("empty.jsonl", _write(""), "is empty (no records)"),
    ("random.txt", _write(_RANDOM), "binary file, not text"),
    ("random.jsonl", _write(_RANDOM), "binary file, not JSON Lines"),
    ("picture.html", _write(b"\x89PNG\r\n\x1a\n" + _RANDOM), "binary file"),
    ("huge-page.txt", _huge_page, "too large (over 20 MB)"),
    ("huge-line.jsonl", _huge_line, "huge-line.jsonl:1: line longer than 16 MB"),
    (
        "missing-title.jsonl",
        _write(jsonl({"id": "m1", "assembly": "A", "question": "Q"})),
        "'title' is required",
    ),
    ("title-number.jsonl", _line(title=12), "field 'title': Input should be a valid string (got 12)"),
    ("question-object.jsonl", _line(question={"fr": "Q"}), "field 'question': Input should be a valid list"),
    ("id-list.jsonl", _line(id=[1, 2]), "field 'id'"),
    ("export-number.jsonl", _line(asked_to=5), "field 'asked_to' must be a string, got number"),
    ("typo.jsonl", _line(titel="Titre"), "field 'titel': Extra inputs are not permitted"),
    ("bad-date.jsonl", _line(date_asked="2022/02/31"), "field 'date_asked': invalid date '2022/02/31'"),
    ("word-date.jsonl", _line(date_asked="hier"), "invalid date 'hier'"),
    ("deep.jsonl", _write("[" * 100_000 + "]" * 100_000 + "\n"), "JSON nested too deeply"),
    ("deep-field.jsonl", _write(_DEEP_FIELD + "1" + "}" * 5001 + "\n"), "JSON nested too deeply"),
    ("not-json.jsonl", _write('{"id": "x", "title": \n'), "invalid JSON"),
    ("dangling.txt", _link("nowhere.txt"), "file not found"),
]


@dataclass
class Runs:
    folder: Path
    index: Path
    first: tuple[int, str, str]
    second: tuple[int, str, str]


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    root = tmp_path_factory.mktemp("hostile")
    folder = root / "input"
    folder.mkdir()
    make_good(folder)
    for name, make, _ in BAD:
        make(folder / name)
    index = root / "index"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("SEMSEARCH_MODEL", "fake")
        mp.setenv("SEMSEARCH_INDEX_PATH", str(index))
        mp.delenv("SEMSEARCH_QDRANT_URL", raising=False)
        first = invoke("index", str(folder), "--json")
        second = invoke("index", str(folder), "--json")
        yield Runs(folder, index, first, second)


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("Error:")]


@pytest.mark.parametrize(("name", "expected"), [(name, expected) for name, _, expected in BAD])
def test_each_bad_file_gets_one_clear_line(runs: Runs, name: str, expected: str) -> None:
    for code, _, err in (runs.first, runs.second):
        assert code == 1
        naming = [line for line in error_lines(err) if f"/{name}:" in line]
        assert len(naming) == 1, err
        assert expected in naming[0]


def test_nothing_else_is_reported_and_nothing_crashes(runs: Runs) -> None:
    for _, out, err in (runs.first, runs.second):
        assert "Traceback" not in out + err
        # Every bad file once, and the two records repeating an id read before.
        assert len(error_lines(err)) == len(BAD) + 2, err
        assert [line for line in err.splitlines() if line.strip()] == error_lines(err)
        repeated = [line for line in error_lines(err) if "was already read from" in line]
        assert len(repeated) == 2 and "dup-in-file.jsonl: id 'dup-1'" in repeated[1] + repeated[0]
        assert any("dup-b.jsonl: id 'dup-2'" in line and "dup-a.jsonl" in line for line in repeated)
    summary = json.loads(runs.first[1])
    assert summary["errors"] and len(summary["errors"]) == len(BAD) + 2


def test_every_good_file_is_indexed_whole(runs: Runs) -> None:
    code, out, _ = invoke("stats", "--json", "--index", str(runs.index))
    assert code == 0 and json.loads(out)["questions"] == len(GOOD)
    for good in GOOD:
        code, out, err = invoke("show", good.qid, "--json", "--index", str(runs.index))
        assert code == 0, err
        shown = json.loads(out)
        assert (shown["title"], shown["question"], shown["answer"]) == (
            good.title,
            good.question,
            list(good.answer),
        ), good.qid
        if good.date_asked:
            assert shown["date_asked"] == good.date_asked


def test_a_200_kb_paragraph_is_split_into_passages_not_truncated(runs: Runs) -> None:
    settings = fake_settings(runs.index)
    with SearchService.open(settings) as service:
        points = service.store.question_points("big")
        limit = service.embedder.max_tokens
        count = service.embedder.count_tokens
    chunks = [p.payload["text"] for p in points if p.payload["kind"] == "question"]
    assert len(chunks) > 100 and all(count(c) <= limit for c in chunks)
    assert " ".join(chunks) == BIG_PARAGRAPH
    assert [p.payload["chunk"] for p in points[1:]] == list(range(len(chunks)))


def test_a_second_run_changes_nothing(runs: Runs) -> None:
    first, second = json.loads(runs.first[1]), json.loads(runs.second[1])
    assert second["passages"] == 0 and second["added"] == 0 and second["updated"] == 0
    assert second["unchanged"] == first["added"] + first["updated"] == len(GOOD)
    # Two records had an id read before in the same run: reported and skipped, the first kept.
    assert first["questions"] == len(GOOD)


# -- duplicate ids further apart, and link loops ---------------------------------------------------
@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SEMSEARCH_MODEL", "fake")
    monkeypatch.setenv("SEMSEARCH_INDEX_PATH", str(tmp_path / "index"))
    monkeypatch.delenv("SEMSEARCH_QDRANT_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _far_duplicates(folder: Path) -> None:
    folder.mkdir()
    (folder / "a.jsonl").write_text(jsonl(record("dup-x", "Version A", "Texte A.")), "utf-8")
    fillers = [record(f"f{n}", f"Remplissage {n}", f"Texte {n}.") for n in range(70)]  # > one batch of 64
    (folder / "m.jsonl").write_text(jsonl(*fillers), "utf-8")
    (folder / "z.jsonl").write_text(jsonl(record("dup-x", "Version Z", "Texte Z.")), "utf-8")


def test_duplicate_ids_in_different_batches_the_first_one_wins(env: Path) -> None:
    _far_duplicates(env / "in")
    code, _, _ = invoke("index", str(env / "in"))
    assert code == 1  # the later record is reported, and skipped
    code, out, _ = invoke("show", "dup-x", "--json")
    assert json.loads(out)["title"] == "Version A"
    code, out, _ = invoke("stats", "--json")
    assert json.loads(out)["questions"] == 71 and json.loads(out)["passages"] == 142


def test_duplicate_ids_in_different_batches_are_not_rewritten_on_every_run(env: Path) -> None:
    _far_duplicates(env / "in")
    invoke("index", str(env / "in"))
    _, out, _ = invoke("index", str(env / "in"), "--json")
    summary = json.loads(out)
    assert summary["passages"] == 0 and summary["updated"] == 0


def test_duplicate_ids_are_reported(env: Path) -> None:
    _far_duplicates(env / "in")
    _, _, err = invoke("index", str(env / "in"))
    assert "dup-x" in err and "a.jsonl" in err and "z.jsonl" in err


def test_a_symlink_loop_is_one_line_and_the_rest_is_indexed(env: Path) -> None:
    folder = env / "in"
    folder.mkdir()
    (folder / "good.jsonl").write_text(jsonl(record("g1", "Titre", "Texte.")), "utf-8")
    (folder / "loop-a.txt").symlink_to("loop-b.txt")
    (folder / "loop-b.txt").symlink_to("loop-a.txt")
    code, out, err = invoke("index", str(folder))
    assert "Traceback" not in out + err and code == 1
    assert len(error_lines(err)) == 2 and all("loop-" in line for line in error_lines(err)), err
    assert "1 added" in out


# -- hostile queries: the command line ----------------------------------------------------------
@pytest.fixture(scope="module")
def query_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("queries") / "index"
    settings = fake_settings(folder)
    with SearchService.open(settings) as service:
        service.upsert(french_questions())
    return folder


LONG = "primes " * 15_000  # 105 kB


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["search", "   \t  "], None, "the query is empty"),
        (["search", LONG], None, "the query has 104999 characters; the limit is 10000"),
        (["search", "-"], LONG, "the query has 104999 characters; the limit is 10000"),
        (["search", "primes", "--from", "2023-02-30"], None, "--from: '2023-02-30' is not a date"),
        (["search", "primes", "--to", "1e9"], None, "--to: '1e9' is not a date"),
        (["search", "primes", "--before", ""], None, "--before: '' is not a date"),
        (["related", "pw-1", "--before", "demain"], None, "--before: 'demain' is not a date"),
        (["show", "../../etc/passwd"], None, "no question with id '../../etc/passwd'"),
        (["show", "🙂"], None, "no question with id '🙂'"),
        (["show", ""], None, "no question with id ''"),
        (["related", "x" * 3000], None, "no question with id 'xxx"),
        (["related", "\x1b[2J"], None, "no question with id"),
    ],
)
def test_hostile_queries_get_one_line(
    query_index: Path, args: list[str], stdin: str | None, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEMSEARCH_MODEL", "fake")
    code, out, err = invoke(*args, "--index", str(query_index), stdin=stdin)
    assert code == 1 and out == ""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:") and message in lines[0], err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["search", "\x07\x1b[31m primes \x7f rénovation \u202e"], None),
        (["search", "-"], "\x00\x01 primes \x00 à la rénovation \x1f"),
        (["search", "-"], "\x00\x0b\x0c\n"),  # no word at all: still the nearest questions
        (["search", "سياسة الطاقة المتجددة في والونيا"], None),
        (["search", "可再生能源政策和自行车道"], None),
        (["search", "🚲🌍 pistes cyclables 👍🏽"], None),
        (["search", "🚲🌍"], None),
    ],
)
def test_other_scripts_and_control_characters_are_answered(
    query_index: Path, args: list[str], stdin: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEMSEARCH_MODEL", "fake")
    code, out, err = invoke(*args, "--json", "-n", "3", "--index", str(query_index), stdin=stdin)
    assert code == 0 and err == ""
    hits = [json.loads(line) for line in out.splitlines()]
    assert len(hits) == 3 and all(hit["id"].startswith("pw-") for hit in hits)


# -- hostile queries: the API -------------------------------------------------------------------
@pytest.fixture(scope="module")
def api(query_index: Path) -> Iterator[tuple[Settings, SearchService]]:
    settings = fake_settings(query_index.parent / "api-index", rate_limit_per_second=0.0)
    with SearchService.open(settings) as service:
        service.upsert(french_questions())
        yield settings, service


@pytest.mark.parametrize(
    ("url", "status", "detail"),
    [
        ("/search?q=", 422, "the query is empty"),
        ("/search?q=primes&from=zero", 422, "from: 'zero' is not a date"),
        ("/search?q=primes&from=%00", 422, "is not a date (use YYYY-MM-DD or DD/MM/YYYY)"),
        ("/search?q=primes&before=2023-02-30", 422, "before: '2023-02-30' is not a date"),
        ("/search?q=primes&to=99999999999999999999", 422, "to: "),
        ("/search?q=primes&limit=1e3", 422, "limit: Input should be a valid integer"),
        ("/questions/..%2F..%2Fetc%2Fpasswd", 404, "no question with id '../../etc/passwd'"),
        ("/questions/%F0%9F%99%82/related", 404, "no question with id '🙂'"),
        ("/questions/%00", 404, "no question with id"),
        ("/questions/" + "x" * 5000, 404, "no question with id 'xxx"),
    ],
)
def test_hostile_requests_get_one_line(
    api: tuple[Settings, SearchService], url: str, status: int, detail: str
) -> None:
    response = TestClient(create_app(*api), raise_server_exceptions=False).get(url)
    assert response.status_code == status, response.text
    body = response.json()
    assert detail in body["detail"] and "\n" not in body["detail"]
    assert "Traceback" not in response.text and "site-packages" not in response.text


@pytest.mark.parametrize(
    "query",
    [
        "\x07\x1b[31m primes \x7f rénovation \u202e",
        "\x00\x0b\x0c",
        "سياسة الطاقة المتجددة في والونيا",
        "可再生能源政策和自行车道",
        "🚲🌍 pistes cyclables 👍🏽",
    ],
)
def test_the_api_answers_other_scripts_and_control_characters(
    api: tuple[Settings, SearchService], query: str
) -> None:
    response = TestClient(create_app(*api)).get("/search", params={"q": query, "limit": 3})
    assert response.status_code == 200
    assert response.json()["query"] == query and len(response.json()["results"]) == 3


def _raw_get(port: int, target: bytes) -> tuple[int, bytes]:
    """A GET over a plain socket: httpx refuses to send a URL over 64 kB, a hostile client would."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_a_real_server_answers_a_100_kb_query_with_one_line(api: tuple[Settings, SearchService]) -> None:
    with running(create_app(*api)) as base:
        port = int(base.rsplit(":", 1)[1])
        status, body = _raw_get(port, b"/search?q=" + b"primes%20" * 11_500)  # 103.5 kB of URL
        assert status == 422
        assert json.loads(body) == {"detail": "the query has 80499 characters; the limit is 10000"}
        status, body = _raw_get(port, b"/search?q=primes")
        assert status == 200 and json.loads(body)["results"]


def test_the_fixture_files_exist_as_described(runs: Runs) -> None:
    """The table is what the folder holds: a maker that failed silently would hide a case."""
    names = {p.name for p in runs.folder.iterdir()}
    assert {name for name, _, _ in BAD} <= names
    assert os.path.getsize(runs.folder / "huge-line.jsonl") > 30 * MB
    assert os.path.getsize(runs.folder / "huge-page.txt") > 20 * MB
    assert len(BIG_PARAGRAPH.encode()) > 200_000
