"""Derived ids keep every letter and are never empty; an index of the first rule is migrated or
refused in one line (issue 15, item 3)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from semsearch.errors import ModelMismatchError
from semsearch.filters import SearchFilter
from semsearch.ids import derive_question_id, natural_key, slugify
from semsearch.models import Question
from semsearch.service import SearchService
from semsearch.settings import Settings
from tests.support.settings import fake_settings


def page(
    number: str,
    addressee: str,
    author: str = "LAMBERT Sophie",
    assembly: str = "Верховна Рада",
    session: str = "2023",
) -> Question:
    """A question without an id of its own: its id is derived from its natural key."""
    return Question.model_validate(
        {
            "assembly": assembly,
            "session": session,
            "number": number,
            "title": f"Питання {number} до {addressee}",
            "author": author,
            "addressee": addressee,
            "question": [f"Текст питання {number}, адресованого {addressee}."],
        }
    )


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("BORSUS Willy", "borsus-willy"),  # Latin: as before (Walloon ids do not change)
        ("LONGRÉE Julien", "longree-julien"),
        ("Łukasz Nowak", "łukasz-nowak"),
        ("Іваненко", "іваненко"),
        ("Петренко", "петренко"),
        ("张伟", "张伟"),
        ("हिंदी", "हिंदी"),  # its vowel signs are marks: kept with their letters
        ("Straße", "straße"),
        ("ﬁnance", "finance"),
    ],
)
def test_every_letter_is_kept(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_walloon_ids_are_unchanged() -> None:
    key = derive_question_id("Parlement Wallon", "2022-2023", "574 (2022-2023) 1", "BORSUS Willy, Ministre")
    assert key == "parlement-wallon-2022-2023-574-1-borsus-willy"


def test_a_derived_id_is_never_empty() -> None:
    assert derive_question_id("全国人民代表大会", "2023", "17", "张伟") == "全国人民代表大会-2023-17-张伟"
    # A part with no letter or digit is not dropped (two such parts would make one key): hashed.
    assert natural_key("†", None, "‡", "§") != natural_key("†", None, "¶", "§")
    assert all(natural_key("†", None, mark, "§") for mark in "‡¶")


def test_two_ukrainian_questions_of_one_number_are_two_questions(settings: Settings) -> None:
    first, second = page("17", "Іваненко"), page("17", "Петренко")
    assert first.qid != second.qid
    with SearchService.open(settings) as service:
        result = service.upsert([first, second])
        assert sorted(result.added) == sorted([first.qid, second.qid]) and result.updated == []
        assert service.get(first.qid).addressee == "Іваненко"
        assert service.get(second.qid).addressee == "Петренко"


def test_an_all_chinese_record_is_fetched_by_its_id(settings: Settings) -> None:
    q = page("第十七号", "张伟", author="李娜", assembly="全国人民代表大会", session="二〇二三年")
    assert q.qid == "全国人民代表大会-二〇二三年-第十七号-张伟"  # the first rule made it ""
    with SearchService.open(settings) as service:
        service.upsert([q])
        client = TestClient(create_app(settings, service))
        assert q.qid and client.get(f"/questions/{q.qid}").json()["addressee"] == "张伟"
        assert client.get("/questions/").status_code == 404


# -- an index made with the first rule ----------------------------------------------------------
def _first_rule(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def build_with_first_rule(
    settings: Settings, questions: list[Question], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index as the first rule made it: its ids, natural keys, name tokens, and no 'ids' in its
    meta file."""
    with monkeypatch.context() as patched:
        patched.setattr("semsearch.ids.slugify", _first_rule)
        patched.setattr("semsearch.ids._part", _first_rule)
        patched.setattr("semsearch.filters.slugify", _first_rule)
        with SearchService.open(settings) as service:
            service.upsert(questions)
    meta_file = settings.index_path / "semsearch.json"
    meta = json.loads(meta_file.read_text())
    del meta["ids"]
    meta_file.write_text(json.dumps(meta))


def test_an_index_of_the_first_rule_is_migrated(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, make_question: Callable[..., Question]
) -> None:
    q = make_question(1, author="Łukasz NOWAK", addressee="Żaneta WÓJCIK")
    build_with_first_rule(settings, [q], monkeypatch)
    with SearchService.open(settings) as service:
        assert service.search("question", flt=SearchFilter(author="Łukasz")) == []  # 'ukasz' was stored
        assert service.upsert([q]).unchanged == ["1"]
        hits = service.search("question", flt=SearchFilter(author="Łukasz", addressee="Żaneta"))
        assert [h.id for h in hits] == ["1"]
    assert json.loads((settings.index_path / "semsearch.json").read_text())["ids"] == 2


def test_an_index_whose_derived_ids_change_is_refused_in_one_line(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_with_first_rule(settings, [page("17", "Іваненко")], monkeypatch)
    with SearchService.open(settings) as service:
        assert service.stats().questions == 1  # still readable
        with pytest.raises(ModelMismatchError) as refused:
            service.upsert([page("18", "Петренко")])
    message = refused.value.message
    assert "\n" not in message and "'2023-17' is now 'верховна-рада-2023-17-іваненко'" in message
    assert "--rebuild" in message


def test_the_id_rule_is_recorded_in_a_new_index(tmp_path: Path) -> None:
    settings = fake_settings(tmp_path / "index")
    with SearchService.open(settings) as service:
        service.upsert([page("1", "Іваненко")])
    assert json.loads((settings.index_path / "semsearch.json").read_text())["ids"] == 2
