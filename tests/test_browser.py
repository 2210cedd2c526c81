"""The built site in a real browser: Debian's chromium driven by Playwright, over localhost."""

import functools
import re
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip
pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian's chromium is not installed"
)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(built_site):
    """The site served from 127.0.0.1 on a free port, as a static host would serve it."""
    handler = functools.partial(QuietHandler, directory=str(built_site.site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_the_switcher_leads_to_the_same_page_in_each_language(page, server):
    page.goto(f"{server}/ja/hands-on/inference.html")
    assert page.get_attribute("html", "lang") == "ja"
    page.click('.flowdocs-languages a[hreflang="ko"]')
    page.wait_for_url(f"{server}/ko/hands-on/inference.html")
    assert page.get_attribute("html", "lang") == "ko"
    page.click('.flowdocs-languages a[hreflang="en"]')
    page.wait_for_url(f"{server}/en/hands-on/inference.html")
    assert page.get_attribute("html", "lang") == "en"


def test_every_page_links_its_translations_with_hreflang(page, server, built_site):
    page.goto(f"{server}/ko/hands-on/training.html")
    links = page.eval_on_selector_all(
        'link[rel="alternate"][hreflang]', "els => els.map(e => [e.hreflang, e.href])"
    )
    assert dict(links) == {
        "en": f"{server}/en/hands-on/training.html",
        "ja": f"{server}/ja/hands-on/training.html",
        "ko": f"{server}/ko/hands-on/training.html",
        "x-default": f"{server}/en/hands-on/training.html",
    }


@pytest.mark.parametrize(
    ("locale", "language"), [("ko-KR", "ko"), ("ja-JP", "ja"), ("de-DE", "en")]
)
def test_the_root_page_opens_the_browsers_language(browser, server, locale, language):
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(f"{server}/")
    page.wait_for_url(f"{server}/{language}/index.html")
    context.close()


def search(page, server, language: str, term: str) -> list[str]:
    """Titles of the pages the site's own search returns for ``term``."""
    page.goto(f"{server}/{language}/search.html?q={quote(term)}")
    page.wait_for_selector("#search-results ul.search li a")
    return page.eval_on_selector_all(
        "#search-results ul.search li a", "els => els.map(e => e.getAttribute('href'))"
    )


def pages_containing(built_site, language: str, word: str) -> set[str]:
    found = set()
    for path in (built_site.site / language).rglob("*.html"):
        relative = path.relative_to(built_site.site / language).as_posix()
        if relative in ("search.html", "genindex.html") or "_static" in relative:
            continue
        text = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8").split("<article")[1])
        if word in text:
            found.add(relative)
    return found


@pytest.mark.parametrize(("language", "term"), [("ko", "텐서"), ("ja", "推論")])
def test_search_finds_every_page_that_uses_the_word(page, server, built_site, language, term):
    expected = pages_containing(built_site, language, term)
    assert expected, f"no {language} page says {term}"
    results = {href.split("?")[0].split("#")[0] for href in search(page, server, language, term)}
    assert expected <= results


def test_korean_search_finds_a_word_followed_by_a_particle(page, server, built_site):
    """A page that only ever writes 텐서를 / 텐서는 must still be found by 텐서."""
    with_particle = {
        page_name
        for page_name in pages_containing(built_site, "ko", "텐서")
        if not re.search(r"텐서(?![가-힣])", (built_site.site / "ko" / page_name).read_text())
    }
    results = {href.split("?")[0] for href in search(page, server, "ko", "텐서")}
    assert with_particle <= results


def test_no_page_logs_a_console_error(page, server, built_site):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    for language in ("en", "ja", "ko"):
        for path in sorted((built_site.site / language).rglob("*.html")):
            if "_static" in path.parts:
                continue
            page.goto(f"{server}/{path.relative_to(built_site.site).as_posix()}")
            page.wait_for_load_state("load")
    assert errors == []
