"""The API around a search: /route, /stats/addressees, the Atom feed, downloads and the label
filter, through TestClient over the real service (fake embedder); and the same in the CLI."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date

import feedparser
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from semsearch.cli.app import app as cli
from semsearch.service import SearchService
from semsearch.settings import Settings
from tests.support.api import API_KEY
from tests.support.questions import french_questions, index_questions
from tests.support.settings import FAKE_ENV, fake_settings

KEY = {"X-API-Key": API_KEY}
# The title of pw-10 word for word: it is the "same question" (similarity 1.0).
SAME = "Le relogement des sinistrés des inondations"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, SearchService]]:
    settings = fake_settings(tmp_path_factory.mktemp("views") / "index", api_key=API_KEY)
    with SearchService.open(settings) as service:
        service.upsert(french_questions())
        yield settings, service


@pytest.fixture
def client(indexed: tuple[Settings, SearchService]) -> TestClient:
    return TestClient(create_app(*indexed), raise_server_exceptions=False)


# -- labels ---------------------------------------------------------------------------------
def test_every_result_carries_its_label_and_the_filter_keeps_the_closest(client: TestClient) -> None:
    results = client.get("/search", params={"q": SAME, "limit": 15}).json()["results"]
    assert results[0]["id"] == "pw-10" and results[0]["closeness"] == "same question"
    assert all(r["similarity"] is not None for r in results)
    assert len({r["closeness"] for r in results}) > 1  # not every result is the same question
    same = client.get("/search", params={"q": SAME, "closeness": "same-question"}).json()
    assert [r["id"] for r in same["results"]] == ["pw-10"] and same["next_offset"] is None
    related = client.get("/questions/pw-10/related", params={"closeness": "same-topic", "limit": 20}).json()
    assert related["results"] and all(r["closeness"] for r in related["results"])
    bad = client.get("/search", params={"q": SAME, "closeness": "identical"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("closeness: Input should be")


# -- routing --------------------------------------------------------------------------------
def test_route_ranks_the_likely_addressees_with_their_precedents(client: TestClient) -> None:
    body = client.get("/route", params={"q": "les primes à la rénovation des logements"}).json()
    assert body["query"] and body["question_id"] is None and body["evidence"] == 15
    roles = {c["addressee"] for c in body["candidates"]}
    assert roles == {"Ministre du Logement", "Ministre de l'Énergie"}
    assert sum(c["share"] for c in body["candidates"]) == pytest.approx(1.0)
    first = body["candidates"][0]
    assert first["names"] and first["precedents"][0]["title"] and first["questions"] >= 1
    by_id = client.get("/route", params={"question_id": "pw-1", "before": "2023-03-01", "limit": 1}).json()
    assert len(by_id["candidates"]) == 1 and by_id["evidence"] < 15


@pytest.mark.parametrize(
    ("params", "status", "detail"),
    [
        ({}, 422, "give q (a text) or question_id, not both"),
        ({"q": "x", "question_id": "pw-1"}, 422, "give q (a text) or question_id, not both"),
        ({"question_id": "nope"}, 404, "no question with id 'nope'"),
        ({"q": "x", "limit": 11}, 422, "limit: Input should be less than or equal to 10"),
        ({"q": "x", "before": "0"}, 422, "before: '0' is not a date"),
    ],
)
def test_route_refuses_bad_requests_in_one_line(
    client: TestClient, params: dict[str, str], status: int, detail: str
) -> None:
    response = client.get("/route", params=params)
    assert response.status_code == status and detail in response.json()["detail"]


# -- answer times ---------------------------------------------------------------------------
def test_answer_times_per_addressee_and_per_portfolio(client: TestClient) -> None:
    body = client.get("/stats/addressees", params={"as_of": "2024-01-01"}).json()
    assert body["by"] == "addressee" and body["as_of"] == "2024-01-01"
    rows = {r["addressee"]: r for r in body["rows"]}
    assert set(rows) == {"DUPONT Marc", "MARTIN Luc"}
    dupont = rows["DUPONT Marc"]  # the even questions: all answered, 19 or so days later
    assert (dupont["asked"], dupont["answered"], dupont["unanswered_after_30"]) == (7, 7, 0.0)
    assert dupont["median_days"] is not None and rows["MARTIN Luc"]["median_days"] is None
    assert rows["MARTIN Luc"]["unanswered_after_60"] == 1.0
    session = client.get("/stats/addressees", params={"by": "portfolio", "session": "2023-2024"}).json()
    assert sum(r["asked"] for r in session["rows"]) == 7 and session["rows"][0]["also"]
    bad = client.get("/stats/addressees", params={"by": "minister"})
    assert bad.status_code == 422 and "by: Input should be 'addressee' or 'portfolio'" in bad.json()["detail"]


# -- downloads ------------------------------------------------------------------------------
def test_search_and_related_as_csv_and_jsonl(client: TestClient) -> None:
    response = client.get("/search", params={"q": "primes rénovation", "limit": 4, "format": "csv"})
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="semsearch-primes-renovation.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets need
    # A name in another script cannot go in a Latin-1 header as it is (this answered 500).
    other = client.get("/search", params={"q": "Енергетика primes", "format": "csv"})
    assert other.status_code == 200, other.text
    assert other.headers["content-disposition"] == (
        'attachment; filename="semsearch-primes.csv"; '
        "filename*=UTF-8''semsearch-%D0%B5%D0%BD%D0%B5%D1%80%D0%B3%D0%B5%D1%82%D0%B8%D0%BA%D0%B0-primes.csv"
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert len(rows) == 4 and len({r["id"] for r in rows}) == 4 and rows[0]["passages"]
    lines = client.get("/questions/pw-1/related", params={"limit": 3, "format": "jsonl"}).text.splitlines()
    assert len(lines) == 3 and "pw-1" not in {json.loads(line)["id"] for line in lines}


# -- feeds ----------------------------------------------------------------------------------
def test_a_search_feed_is_atom_with_stable_ids_and_shows_a_new_question(
    client: TestClient, indexed: tuple[Settings, SearchService]
) -> None:
    params = {"q": "inondations sinistrés relogement", "closeness": "same-topic"}
    first = client.get("/search.atom", params=params)
    assert first.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(first.content)
    assert not feed.bozo and feed.version == "atom10"
    ids = [e.id for e in feed.entries]
    assert ids and all(i.startswith("tag:semsearch,2024:question:") for i in ids)
    dates = [e.published_parsed for e in feed.entries]
    assert dates == sorted(dates, reverse=True)  # the newest first
    assert feed.entries[0].link.startswith("http://testserver/q/") and feed.entries[0].updated_parsed
    assert (
        feedparser.parse(client.get("/search.atom", params=params).content).feed.updated == feed.feed.updated
    )
    new = french_questions()[9].model_copy(update={"id": "pw-new", "date_asked": date(2024, 2, 1)})
    assert client.post("/questions", json=new.model_dump(mode="json"), headers=KEY).status_code == 201
    try:
        again = feedparser.parse(client.get("/search.atom", params=params).content)
        assert again.entries[0].id == "tag:semsearch,2024:question:pw-new"
        assert [e.id for e in again.entries[1:]] == ids[: len(again.entries) - 1]  # old ids unchanged
    finally:
        indexed[1].delete("pw-new")


def test_a_feed_keeps_the_search_filters(client: TestClient) -> None:
    q = "inondations sinistrés relogement"
    entries = {
        answered: [e.id.rsplit(":", 1)[1] for e in feedparser.parse(
            client.get("/search.atom", params={"q": q, "answered": answered}).content
        ).entries]
        for answered in ("true", "false")
    }  # fmt: skip
    # pw-10 (answered) is the one labelled for this text; the unanswered feed cannot show it.
    assert "pw-10" in entries["true"] and "pw-10" not in entries["false"]
    assert not set(entries["true"]) & set(entries["false"])


# -- the same in the CLI --------------------------------------------------------------------
runner = CliRunner()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An index of its own for the CLI, which opens (and locks) the folder itself."""
    path = tmp_path_factory.mktemp("cli") / "index"
    index_questions(fake_settings(path))
    return str(path)


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), env=FAKE_ENV)
    return result.exit_code, result.stdout, result.stderr


def test_cli_route_and_answer_times(folder: str) -> None:
    code, out, _ = run("route", "les primes à la rénovation des logements", "--index", folder, "--json")
    body = json.loads(out)
    assert code == 0 and {c["addressee"] for c in body["candidates"]} == {
        "Ministre du Logement",
        "Ministre de l'Énergie",
    }
    code, out, _ = run("route", "--id", "pw-1", "--index", folder, "-n", "1")
    assert code == 0 and "Likely addressees, from" in out and "pw-" in out
    code, out, _ = run(
        "stats",
        "--by",
        "portfolio",
        "--session",
        "2023-2024",
        "--as-of",
        "2024-01-01",
        "--index",
        folder,
        "--json",
    )
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and sum(r["asked"] for r in rows) == 7
    code, out, _ = run("stats", "--by", "addressee", "--index", folder)
    assert code == 0 and "Median days" in out and "DUPONT Marc" in out


def test_cli_labels_filter_and_export(folder: str) -> None:
    code, out, _ = run("search", SAME, "--closeness", "same-question", "--json", "--index", folder)
    assert code == 0 and [json.loads(line)["id"] for line in out.splitlines()] == ["pw-10"]
    code, out, _ = run("search", SAME, "-n", "2", "--index", folder)
    assert code == 0 and "SAME QUESTION" in out  # it stands out in the table
    code, out, _ = run("search", "primes rénovation", "-n", "3", "--format", "csv", "--index", folder)
    rows = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff"), newline="")))
    assert code == 0 and out.startswith("\ufeffid,") and len(rows) == 3
    code, out, _ = run("related", "pw-1", "-n", "2", "--format", "jsonl", "--index", folder)
    assert code == 0 and len(out.splitlines()) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["route"], "give a text (or - for standard input) or --id QUESTION_ID, not both"),
        (
            ["route", "x", "--id", "pw-1"],
            "give a text (or - for standard input) or --id QUESTION_ID, not both",
        ),
        (["route", "x", "-n", "0"], "limit must be between 1 and 10, not 0"),
        (["stats", "--by", "minister"], "--by 'minister': choose among addressee, portfolio"),
        (["stats", "--session", "2023-2024"], "--from, --to, --assembly, --session and --as-of go with --by"),
        (["search", "x", "--format", "xlsx"], "--format 'xlsx': choose among table, csv, jsonl"),
        (["search", "x", "--closeness", "near"], "--closeness 'near': choose among same-question"),
        (["search", "x", "--from", "0"], "--from: '0' is not a date (use YYYY-MM-DD or DD/MM/YYYY)"),
    ],
)
def test_cli_refuses_bad_options_in_one_line(folder: str, args: list[str], message: str) -> None:
    code, out, err = run(*args, "--index", folder)
    assert code == 1 and err.startswith("Error:") and message in err and "Traceback" not in err + out
