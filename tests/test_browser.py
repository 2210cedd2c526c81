"""The built site in a real browser: Debian's chromium driven by Playwright, over localhost.

Every page of every language is opened as a reader would open it: at 1280 px and at 390 px (a
phone), in light and dark mode. The screenshots land in build/screenshots/<lang>/ for a
reviewer to look at. Every request a page makes is recorded, and one that leaves 127.0.0.1
fails the test that made it.
"""

import re
import shutil
from urllib.parse import quote, urlparse

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, serve

playwright = pytest.importorskip("playwright.sync_api")
Axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe
pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian's chromium is not installed"
)
LANGUAGES = ("en", "ja", "ko")
PAGES = sorted(
    path.relative_to(ROOT / "docs").with_suffix("").as_posix()
    for path in (ROOT / "docs").rglob("*.md")
    if "_build" not in path.parts
) + ["search", "genindex"]
SCREENSHOTS = ROOT / "build" / "screenshots"
WIDE, PHONE = 1280, 390


@pytest.fixture(scope="module")
def server(built_site):
    """The site served from 127.0.0.1 on a free port, as a static host would serve it."""
    with serve(built_site.site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_context(browser):
    """New browser contexts whose every request is recorded; none may leave 127.0.0.1."""
    contexts, requests = [], []

    def open_context(**options):
        context = browser.new_context(**options)
        context.on("request", lambda request: requests.append(request.url))
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()
    elsewhere = [
        url
        for url in requests
        if urlparse(url).scheme not in ("data", "blob") and urlparse(url).hostname != "127.0.0.1"
    ]
    assert elsewhere == [], f"requests left the machine: {elsewhere[:5]}"


@pytest.fixture
def page(open_context):
    return open_context().new_page()


def test_the_switcher_leads_to_the_same_page_in_each_language(page, server):
    page.goto(f"{server}/ja/hands-on/inference.html")
    assert page.get_attribute("html", "lang") == "ja"
    page.click('.flowdocs-languages a[hreflang="ko"]')
    page.wait_for_url(f"{server}/ko/hands-on/inference.html")
    assert page.get_attribute("html", "lang") == "ko"
    page.click('.flowdocs-languages a[hreflang="en"]')
    page.wait_for_url(f"{server}/en/hands-on/inference.html")
    assert page.get_attribute("html", "lang") == "en"


def test_a_site_built_with_no_known_address_has_no_hreflang_links_but_its_switcher(
    page, server, built_site
):
    """Relative hreflang links are rejected by search engines: none, until the address is set
    (FLOWDOCS_SITE_URL: tests/test_sphinxext.py); the switcher links every language still."""
    page.goto(f"{server}/ko/hands-on/training.html")
    assert page.locator('link[rel="alternate"][hreflang]').count() == 0
    switcher = page.eval_on_selector_all(
        ".flowdocs-languages a", "els => els.map(e => [e.hreflang, e.href])"
    )
    assert dict(switcher) == {
        "en": f"{server}/en/hands-on/training.html",
        "ja": f"{server}/ja/hands-on/training.html",
        "ko": f"{server}/ko/hands-on/training.html",
    }


@pytest.mark.parametrize(
    ("locale", "language"), [("ko-KR", "ko"), ("ja-JP", "ja"), ("de-DE", "en")]
)
def test_the_root_page_opens_the_browsers_language(open_context, server, locale, language):
    page = open_context(locale=locale).new_page()
    page.goto(f"{server}/")
    page.wait_for_url(f"{server}/{language}/index.html")


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
    for language in LANGUAGES:
        for name in PAGES:
            page.goto(f"{server}/{language}/{name}.html")
            page.wait_for_load_state("load")
    assert errors == []


# --- Keyboard only -------------------------------------------------------------------------


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")


@pytest.mark.parametrize(("language", "rule"), [("en", "normal"), ("ja", "normal"),
                                                ("ko", "keep-all")])  # fmt: skip
def test_korean_lines_break_between_words_only(page, server, language, rule):
    # Korean puts spaces between words; a word broken over two lines (빌 / 드) reads as two.
    page.goto(f"{server}/{language}/reference/environment.html")
    for selector in ("article p", "article td"):
        style = f"getComputedStyle(document.querySelector({selector!r})).wordBreak"
        assert page.evaluate(style) == rule, selector


def test_the_language_switcher_works_by_keyboard_alone(page, server):
    page.goto(f"{server}/en/hands-on/kv-cache.html")
    tab_to(page, '.flowdocs-languages a[hreflang="ja"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/ja/hands-on/kv-cache.html")


def test_search_works_by_keyboard_alone(page, server, built_site):
    page.goto(f"{server}/ja/index.html")
    tab_to(page, "input.sidebar-search")
    page.keyboard.type("推論")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/ja/search\.html\?q="))
    page.wait_for_selector("#search-results ul.search li a")
    results = {h.split("?")[0] for h in page.eval_on_selector_all(
        "#search-results ul.search li a", "els => els.map(e => e.getAttribute('href'))"
    )}  # fmt: skip
    assert pages_containing(built_site, "ja", "推論") <= results


# --- Every page, every language ------------------------------------------------------------

OVERFLOWING = """() => {
  // Elements whose content is wider than their box and is cut off or scrolls sideways (a box
  // one pixel wide is text for screen readers only, such as the MathML KaTeX adds).
  const found = [];
  for (const el of document.querySelectorAll("body *")) {
    const style = getComputedStyle(el);
    if (el.clientWidth > 1 && el.scrollWidth > el.clientWidth + 1
        && style.overflowX !== "visible" && style.display !== "none") {
      found.push({tag: el.tagName.toLowerCase(), code: !!el.closest("pre, .highlight"),
                  text: el.textContent.trim().slice(0, 60)});
    }
  }
  return {page: document.documentElement.scrollWidth, window: innerWidth, elements: found};
}"""


def open_page(open_context, server, language, name, width, scheme="light"):
    page = open_context(viewport={"width": width, "height": 900}, color_scheme=scheme).new_page()
    page.goto(f"{server}/{language}/{name}.html")
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready")
    # The theme fades its colours in when it applies the reader's mode: judge the end state.
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
    return page


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_nothing_is_cut_off_or_scrolls_sideways(open_context, server, language, name):
    """At 1280 px nothing scrolls sideways; on a phone only code blocks do. Screenshots kept."""
    for width in (WIDE, PHONE):
        page = open_page(open_context, server, language, name, width)
        shot = SCREENSHOTS / language / f"{name.replace('/', '--')}-{width}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=shot, full_page=True)
        found = page.evaluate(OVERFLOWING)
        assert found["page"] <= found["window"], f"{width} px: the page scrolls sideways"
        allowed = (lambda e: False) if width == WIDE else (lambda e: e["code"])
        cut = [e for e in found["elements"] if not allowed(e)]
        assert cut == [], f"{width} px: cut off or scrolling: {cut[:3]}"


# Names that stay Latin on a Japanese or Korean page: products, libraries, layers, units, tools.
PROPER_NAMES = set(
    """AMD AOTriton Adam Apple Autograd BLAS BatchNorm CPU CUDA Dropout FlashAttention GELU GEMM
    GPT-2 GPU GitHub HIP ID IQR Intel KV KiB Linux Llama Lokalize MIOpen MKL MLP MPS Mac NVIDIA
    OpenBLAS Poedit PyPI Python PyTorch README RNN Radeon ReLU ROCm SGD Tensile UTC Vega Winograd
    XDLOPS
    autograd conda cuBLAS cuBLASLt cuDNN flowdocs gettext hipBLASLt im2col macOS ms nox oneDNN
    pip pipx detach rocBLAS torch wheel""".split()
    # Terms of the tools themselves: MIOpen's find step, the foreach optimizers, AMD's gfx names.
    + "find foreach gfx".split()
    # The names of data types, file formats and other products that pages cite as they are.
    + "bf16 bfloat16 fp16 fp32 HTML JavaScript Markdown PNG SVG Apex MI300X MiB GiB".split()
    # Labels of English-only interfaces that a reader must find there (GitHub, Read the Docs).
    + "Actions Pages Settings Translations".split()
)
# Names of several words, and what is no word: URLs, versions (2.13.0+cpu), GPU architectures.
NOT_WORDS = re.compile(
    r"Read the Docs|GPT-2 small|implicit[- ]GEMM|https?://\S+|\d[\w.]*\+\w+|\bgfx\d+\w*"
    r"|\b\w+::[\w:]+"  # a C++ name, as a glued profile row prints it: aten::max_pool2d
)
# A word with "_", ".", "/" or "()" is a code name or a path (no_grad, eval(), examples/x.py).
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'’./-]*(?:\(\))?")
# The glossary's convention: a term's original in parentheses right after its translation,
# 学習 (training), 역할(role), so a reader can match it with English sources.
ORIGINAL_TERM = re.compile(
    r"(?<=[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7a3]) ?\([A-Za-z][A-Za-z -]*\)"
)
VISIBLE_WORDS = """() => {
  // Visible prose and the labels a screen reader announces; code, program output, math and
  // links that name another language (the switcher) are left out.
  const skip = "pre, code, kbd, samp, script, style, .katex, .cell_output, [lang]:not(html)";
  const shown = el =>
    el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const texts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (el && !el.closest(skip) && shown(el)) texts.push(walker.currentNode.textContent);
  }
  const labelled = "[aria-label], [title], [placeholder], [alt], [data-tooltip]";
  for (const el of document.querySelectorAll(labelled)) {
    if (el.closest(skip) || !shown(el)) continue;
    for (const name of ["aria-label", "title", "placeholder", "alt", "data-tooltip"]) {
      if (el.hasAttribute(name)) texts.push(el.getAttribute(name));
    }
  }
  return texts;
}"""


# A measured number in scientific notation (4.8e-07) is no word, though it holds a letter.
NUMBER = re.compile(r"\d[\d.]*[eE][-+]?\d+")


def english_words(texts: list[str]) -> set[str]:
    words = set()
    for text in texts:
        text = NOT_WORDS.sub(" ", ORIGINAL_TERM.sub(" ", text))
        words |= set(WORD.findall(NUMBER.sub(" ", text)))
    return {w for w in words if len(w) > 1 and not re.search(r"[_./(]", w)} - PROPER_NAMES


@pytest.mark.parametrize("language", ["ja", "ko"])
@pytest.mark.parametrize("name", PAGES)
def test_no_english_is_left_on_a_translated_page(open_context, server, language, name):
    page = open_page(open_context, server, language, name, WIDE)
    assert sorted(english_words(page.evaluate(VISIBLE_WORDS))) == []


CODE_TEXTS = (
    "() => Array.from(document.querySelectorAll('code, pre, kbd, samp'), e => e.textContent)"
)


def announced(page) -> list[str]:
    """The name and description of every link and button, as Chromium computes them for a
    screen reader (from text, aria-label, title and an icon's <title> alike)."""
    tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")
    return [
        node[field]["value"]
        for node in tree["nodes"]
        if not node.get("ignored") and node.get("role", {}).get("value") in ("link", "button")
        for field in ("name", "description")
        if node.get(field, {}).get("value")
    ]


@pytest.mark.parametrize("language", ["ja", "ko"])
@pytest.mark.parametrize(
    ("name", "controls"),
    [
        # code with copy buttons, a table, a figure, the previous / next links
        ("hands-on/autograd-modes", "button.copybtn, table a.headerlink, figure a.headerlink"),
        ("reference/glossary", "dt a.headerlink"),  # every term's permalink
    ],
)
def test_links_and_buttons_are_announced_in_the_pages_language(
    open_context, server, language, name, controls
):
    page = open_page(open_context, server, language, name, WIDE)
    page.wait_for_selector(
        "button.copybtn" if "copybtn" in controls else controls, state="attached"
    )
    for selector in controls.split(", "):
        assert page.locator(selector).count() > 0, f"{name} has no {selector} to check"
    # The permalinks show on hover only; a hidden element has no name in the tree.
    page.add_style_tag(content=".headerlink { visibility: visible !important }")
    names = announced(page)
    assert len(names) > 20, names  # the tree was read
    # Code is code in every language (a download link names its file type, `.py`), and the
    # switcher names each language in that language, English among them.
    code = english_words(page.evaluate(CODE_TEXTS))
    assert sorted(english_words(names) - code - {"English"}) == []


@pytest.mark.parametrize(("language", "term"), [("ja", "推論"), ("ko", "텐서")])
def test_the_search_says_how_many_pages_it_found(page, server, language, term):
    search(page, server, language, term)
    summary = page.wait_for_function(
        "document.querySelector('#search-results .search-summary')?.innerText.trim() || null"
    ).json_value()
    found = page.locator("#search-results ul.search li").count()
    assert str(found) in summary, summary
    assert english_words([summary]) == set(), summary


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical findings (axe-playwright-python ships axe-core)."""
    result = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_nothing_serious_in_light_or_dark_mode(open_context, server, language, name):
    for scheme in ("light", "dark"):
        page = open_page(open_context, server, language, name, WIDE, scheme)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        red = int(re.search(r"\d+", background).group())
        assert (red > 128) == (scheme == "light"), f"{scheme} mode shows {background}"
        assert axe_violations(page) == [], scheme
