"""The search page and the widget in headless Chromium, against a real ``serve()`` in a subprocess.

Needs Playwright's Python package and Debian's Chromium (``apt-get install chromium``); Playwright's
own browser download is not used. ``SEMSEARCH_SCREENSHOT=1`` also writes docs/search-page.png and
docs/answer-times.png.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import ROOT
from tests.support.ports import free_port
from tests.support.questions import index_questions
from tests.support.serve import ServeProcess
from tests.support.settings import FAKE_ENV, fake_settings

CHROMIUM = Path(os.environ.get("SEMSEARCH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [pytest.mark.browser, pytest.mark.server]

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    pytest.skip("playwright is not installed (pip install playwright)", allow_module_level=True)
if not CHROMIUM.exists():  # pragma: no cover - depends on the machine
    pytest.skip(f"Chromium is absent ({CHROMIUM}): apt-get install chromium", allow_module_level=True)

SERVE = (
    "import sys; from api.server import serve; from semsearch.settings import Settings; "
    "serve(Settings(_env_file=None), '127.0.0.1', int(sys.argv[1]), 1)"
)

HOST_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Site hôte</title></head>
<body><h1>Une question sur le site de l'assemblée</h1>
{snippet}
<p id="after">Le reste de la page.</p>
<script>document.body.dataset.hostScript = "ran";</script>
</body></html>"""


@dataclass
class Servers:
    api: str
    host: str


def _snippet(api: str, question_id: str, **attrs: str) -> str:
    extra = "".join(f' data-semsearch-{k}="{v}"' for k, v in attrs.items())
    script = f'<script src="{api}/widget.js" async></script>'
    return f'<div data-semsearch-related="{question_id}"{extra}></div>{script}'


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    tmp = tmp_path_factory.mktemp("browser")
    index_questions(fake_settings(tmp / "index"))
    api_port, host_port, dead_port = free_port(), free_port(), free_port()
    api, host = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{host_port}"

    site = tmp / "site"
    site.mkdir()
    link = "https://www.example.org/questions/{id}"
    pages = {
        "host.html": _snippet(api, "pw-2", link=link, limit="3"),
        "unknown.html": _snippet(api, "nope"),
        "down.html": _snippet(f"http://127.0.0.1:{dead_port}", "pw-2"),
    }
    for name, snippet in pages.items():
        (site / name).write_text(HOST_PAGE.format(snippet=snippet), encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(site))
    host_server = http.server.ThreadingHTTPServer(("127.0.0.1", host_port), handler)
    threading.Thread(target=host_server.serve_forever, daemon=True).start()

    env = {
        **os.environ,
        **FAKE_ENV,
        "SEMSEARCH_INDEX_PATH": str(tmp / "index"),
        "SEMSEARCH_CORS_ORIGINS": json.dumps([host]),
    }
    server = ServeProcess([sys.executable, "-c", SERVE, str(api_port)], api, tmp / "server.log", env, ROOT)
    try:
        server.start()
        yield Servers(api=api, host=host)
    finally:
        server.stop()
        host_server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page that fails the test on any uncaught JavaScript error."""
    context = browser.new_context(viewport={"width": 1000, "height": 900}, locale="fr-BE")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def _search(page: Page, servers: Servers, query: str) -> None:
    page.goto(f"{servers.api}/")
    assert page.evaluate("document.activeElement.id") == "q"  # the box has the focus on arrival
    page.keyboard.type(query)
    page.keyboard.press("Enter")
    page.wait_for_selector(".result")


def test_type_a_query_see_highlighted_results_and_page_on(page: Page, servers: Servers) -> None:
    _search(page, servers, "primes à la rénovation")
    assert page.locator(".result").count() == 10
    assert "Questions 1 à 10" in page.inner_text("#status")
    first = page.locator(".result").first
    assert first.locator("h2 a").get_attribute("href", timeout=1000) in {f"/q/pw-{n}" for n in range(1, 5)}
    marked = {m.lower() for m in page.locator(".result mark").all_inner_texts()}
    assert {"primes", "rénovation"} <= marked and "la" not in marked
    assert "Parlement Wallon" in first.locator(".meta").inner_text()
    first_page = page.locator(".result h2").all_inner_texts()
    page.focus("a[rel=next]")
    page.keyboard.press("Enter")
    page.wait_for_url("**page=2**")
    page.wait_for_selector(".result")
    assert page.locator(".result").count() == 5 and page.get_attribute("ol.results", "start") == "11"
    assert not set(page.locator(".result h2").all_inner_texts()) & set(first_page)
    assert page.locator("a[rel=next]").count() == 0 and page.locator("a[rel=prev]").count() == 1


def test_open_a_detail_with_the_keyboard(page: Page, servers: Servers) -> None:
    _search(page, servers, "relogement des sinistrés des inondations")
    for _ in range(15):  # the results are reachable with Tab alone
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.result') !== null"):
            break
    href = page.evaluate("document.activeElement.getAttribute('href')")
    assert href == "/q/pw-10"
    page.keyboard.press("Enter")
    page.wait_for_selector(".detail h1")
    assert page.inner_text(".detail h1") == "Le relogement des sinistrés des inondations"
    assert "Quelles mesures comptez-vous prendre" in page.inner_text("section[aria-labelledby=h-question]")
    assert "mes services suivent de près" in page.inner_text("section[aria-labelledby=h-answer]")
    page.wait_for_selector(".semsearch-related__item")
    related = page.locator(".semsearch-related__link")
    assert related.count() == 5 and "/q/pw-10" not in [related.nth(i).get_attribute("href") for i in range(5)]
    assert page.locator("text=← Retour aux résultats").count() == 1


def test_an_unknown_question_page_says_so(page: Page, servers: Servers) -> None:
    page.goto(f"{servers.api}/q/nope")
    page.wait_for_selector("#status.error")
    assert "no question with id 'nope'" in page.inner_text("#status")


def test_the_widget_renders_on_another_site(page: Page, servers: Servers) -> None:
    page.goto(f"{servers.host}/host.html")
    page.wait_for_selector("[data-semsearch-state=done]")
    items = page.locator("ul.semsearch-related[aria-label='Questions liées'] > li.semsearch-related__item")
    assert items.count() == 3
    hrefs = [items.nth(i).locator("a").get_attribute("href") for i in range(3)]
    assert all(h and h.startswith("https://www.example.org/questions/pw-") for h in hrefs)
    assert "https://www.example.org/questions/pw-2" not in hrefs
    text = items.first.inner_text()
    assert "→" in text and ("répondue" in text or "sans réponse" in text)
    assert items.first.locator("time").get_attribute("datetime")
    assert page.get_attribute("body", "data-host-script") == "ran"


@pytest.mark.parametrize(
    ("name", "api_calls_fail", "state"),
    [
        ("unknown.html", False, "error"),  # 404 from the API
        ("host.html", True, "error"),  # the script loaded, then the API went away
        ("down.html", False, None),  # the script itself cannot be fetched
    ],
)
def test_the_widget_fails_quietly(
    page: Page, servers: Servers, name: str, api_calls_fail: bool, state: str | None
) -> None:
    if api_calls_fail:
        page.route("**/questions/**", lambda route: route.abort("connectionrefused"))
    page.goto(f"{servers.host}/{name}")
    if state:
        page.wait_for_selector(f"[data-semsearch-state={state}]", state="attached")
    else:
        page.wait_for_load_state("load")
    assert page.locator(".semsearch-related").count() == 0
    assert page.inner_text("#after") == "Le reste de la page."
    assert page.get_attribute("body", "data-host-script") == "ran"


def test_the_page_fits_a_phone(browser: Browser, servers: Servers) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    for url in (f"{servers.api}/?q=primes%20r%C3%A9novation", f"{servers.api}/q/pw-2"):
        page.goto(url)
        page.wait_for_selector(".result, .detail h1")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url
    context.close()


SAME = "Le relogement des sinistrés des inondations"  # pw-10's title: the "same question"


def _screenshot(page: Page, name: str) -> None:
    if os.environ.get("SEMSEARCH_SCREENSHOT") == "1":
        page.screenshot(path=str(ROOT / "docs" / name))


def test_labels_show_in_french_and_the_same_question_stands_out(page: Page, servers: Servers) -> None:
    _search(page, servers, SAME)
    same = page.locator(".result--same")
    assert same.count() == 1 and "/q/pw-10" == same.locator("h2 a").get_attribute("href")
    assert same.locator(".closeness--same-question").inner_text() == "Déjà posée : « même question »"
    background = same.evaluate("node => getComputedStyle(node).backgroundColor")
    plain = page.locator(".result:not(.result--same)").first.evaluate(
        "n => getComputedStyle(n).backgroundColor"
    )
    assert background != plain  # it stands out, not only in its words
    assert "déjà posée : 1 « même question »" in page.inner_text("#status")
    labels = page.locator(".result .closeness").all_inner_texts()
    assert all(
        t in {"Déjà posée : « même question »", "« étroitement liée »", "« même sujet »"} for t in labels
    )
    page.wait_for_selector("details.route")
    line = page.inner_text("details.route summary")
    assert line.startswith("À adresser à : ") and "%" in line
    assert "Ministre du Logement" in line or "Ministre de l'Énergie" in line
    page.click("details.route summary")
    assert page.locator("details.route .route__list a[href^='/q/pw-']").count() >= 1
    _screenshot(page, "search-page.png")


def test_the_page_filters_to_the_closest_labels(page: Page, servers: Servers) -> None:
    page.goto(f"{servers.api}/")
    page.fill("#q", SAME)
    page.click("details.filters summary")
    page.select_option("select[name=closeness]", "same-question")
    page.click("button[type=submit]")
    page.wait_for_url("**closeness=same-question**")
    page.wait_for_selector(".result")
    assert page.locator(".result").count() == 1 and page.locator(".result--same").count() == 1
    assert page.input_value("select[name=closeness]") == "same-question"


def test_downloads_and_following_a_search(page: Page, servers: Servers) -> None:
    _search(page, servers, "primes rénovation")
    csv_link = page.locator(".tools a", has_text="CSV")
    href = csv_link.get_attribute("href") or ""
    assert "format=csv" in href and "limit=100" in href
    response = page.request.get(servers.api + href)
    assert (
        response.headers["content-type"] == "text/csv; charset=utf-8"
        and response.body()[:3] == b"\xef\xbb\xbf"
    )
    feed = page.locator("a.follow").get_attribute("href") or ""
    assert feed.startswith("/search.atom?") and "q=primes" in feed
    assert page.locator("link[rel=alternate][type='application/atom+xml']").get_attribute("href") == feed
    assert page.request.get(servers.api + feed).headers["content-type"].startswith("application/atom+xml")


def test_the_widget_marks_close_precedents(page: Page, servers: Servers) -> None:
    page.goto(f"{servers.host}/host.html")
    page.wait_for_selector("[data-semsearch-state=done]")
    markers = page.locator(".semsearch-related__closeness")
    assert markers.count() >= 1
    assert set(markers.all_inner_texts()) <= {"même question", "étroitement liée", "même sujet"}
    # Unstyled by default: the host page's own text style.
    assert markers.first.evaluate("n => getComputedStyle(n).fontWeight") == "400"


@pytest.fixture(scope="module")
def samples_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server over the sample corpus (46 questions, a dozen ministers with dated answers)."""
    from indexer.pipeline import run_index
    from semsearch.service import SearchService
    from tests.support.paths import SAMPLES

    tmp = tmp_path_factory.mktemp("samples")
    with SearchService.open(fake_settings(tmp / "index")) as service:
        run_index(service, [SAMPLES])
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    env = {**os.environ, **FAKE_ENV, "SEMSEARCH_INDEX_PATH": str(tmp / "index")}
    with ServeProcess([sys.executable, "-c", SERVE, str(port)], api, tmp / "server.log", env, ROOT):
        yield api


def test_the_answer_time_chart(browser: Browser, samples_api: str) -> None:
    for width, height in ((1000, 1100), (360, 740)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-BE")
        page = context.new_page()
        page.goto(f"{samples_api}/answer-times")
        page.wait_for_selector("svg.chart")
        rows = page.request.get(f"{samples_api}/stats/addressees").json()["rows"]
        dated = [r for r in rows if r["median_days"] is not None]
        assert len(dated) >= 5 and page.locator("svg.chart rect.chart__bar").count() == len(dated)
        chart = page.locator("svg.chart").text_content() or ""
        assert all(r["addressee"][:20] in chart for r in dated)
        assert page.locator("table.answer-times tbody tr").count() == len(rows)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        if width == 1000:
            _screenshot(page, "answer-times.png")
        page.goto(f"{samples_api}/answer-times?by=portfolio&session=2023-2024")
        page.wait_for_selector("table.answer-times")
        assert page.input_value("select[name=by]") == "portfolio"
        assert "Ministre" in page.inner_text("table.answer-times")
        context.close()


def test_an_empty_index_is_said_on_the_page(browser: Browser, tmp_path: Path) -> None:
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    env = {**os.environ, **FAKE_ENV, "SEMSEARCH_INDEX_PATH": str(tmp_path / "none")}
    with ServeProcess([sys.executable, "-c", SERVE, str(port)], api, tmp_path / "log", env, ROOT):
        page = browser.new_page()
        page.goto(f"{api}/")
        page.wait_for_selector("#notice:not([hidden])")
        assert "L'index est vide" in page.inner_text("#notice") and "semsearch index" in page.inner_text(
            "#notice"
        )
        page.close()
    assert not (tmp_path / "none").exists()
