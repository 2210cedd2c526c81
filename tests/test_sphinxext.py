"""flowdocs.sphinxext on tiny sample sites (tests/sites/<name>), built with sphinx.testing."""

import re
import subprocess
import sys

import pytest


@pytest.mark.sphinx("html", testroot="example-source", freshenv=True)
def test_example_source_emphasizes_the_lines_named_by_their_text(app):
    app.build()
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    emphasized = [chunk.split("</span>\n")[0] for chunk in html.split('<span class="hll">')[1:]]
    assert len(emphasized) == 2
    assert "eval" in emphasized[0]
    assert "pred" in emphasized[1]
    assert "examples/demo.py" in html  # the default caption names the script


@pytest.mark.sphinx("html", testroot="example-source", freshenv=True)
def test_example_source_fails_on_a_fragment_the_script_lacks(app):
    (app.srcdir / "index.rst").write_text(
        "Demo\n====\n\n.. example-source:: demo.py\n\n   optimizer.step()\n", encoding="utf-8"
    )
    app.build()
    assert "demo.py shows no line containing 'optimizer.step()'" in app.warning.getvalue()


@pytest.mark.sphinx("html", testroot="example-source", freshenv=True)
def test_example_source_emphasis_counts_within_a_shown_part(app):
    (app.srcdir / "index.rst").write_text(
        "Demo\n====\n\n.. example-source:: demo.py\n"
        "   :start-at: model.eval()\n\n   pred = model(\n",
        encoding="utf-8",
    )
    app.build()
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    emphasized = html.split('<span class="hll">')[1:]
    assert len(emphasized) == 1 and "pred" in emphasized[0].split("\n")[0]


LANGUAGES = {"en": "English", "ja": "日本語"}


@pytest.mark.sphinx(
    "html", testroot="example-source", freshenv=True,
    confoverrides={"flowdocs_languages": LANGUAGES},
)  # fmt: skip
def test_a_build_with_no_known_address_writes_no_hreflang_links(app):
    """Search engines reject relative hreflang links (Lighthouse: "Relative href value")."""
    app.build()
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert "hreflang" not in html
    assert 'rel="canonical"' not in html


@pytest.mark.sphinx(
    "html", testroot="example-source", freshenv=True,
    confoverrides={"flowdocs_languages": LANGUAGES, "flowdocs_site_url": "https://x.org/docs/"},
)  # fmt: skip
def test_a_build_with_the_site_url_writes_absolute_hreflang_and_canonical_links(app):
    app.build()
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    links = dict(re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)"', html))
    assert links == {
        "en": "https://x.org/docs/en/index.html",
        "ja": "https://x.org/docs/ja/index.html",
        "x-default": "https://x.org/docs/en/index.html",
    }
    assert '<link rel="canonical" href="https://x.org/docs/en/index.html" />' in html


@pytest.mark.sphinx("html", testroot="lesson-directives", freshenv=True)
def test_the_rocm_page_starts_the_container_of_the_lessons_rocm_tab(app):
    """One constant prints the docker command in both places, so the two cannot differ."""
    from html import unescape

    from flowdocs.sphinxext.run_it_yourself import ROCM_CONTAINER

    (app.srcdir / "index.md").write_text(
        "# Lesson\n\n```{rocm-container}\n```\n\n```{run-it-yourself} lesson.py\n```\n",
        encoding="utf-8",
    )
    app.build()
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    text = unescape(re.sub(r"<[^>]+>", "", html))
    assert text.count(f"$ {ROCM_CONTAINER}") == 2


def test_korean_search_indexes_hangul_as_bigrams_and_keeps_other_words():
    from flowdocs.sphinxext.korean_search import SearchKorean

    korean = SearchKorean({})
    assert korean.split("텐서를 GPU로") == ["텐서", "서를", "GPU", "로"]
    assert korean.split("값") == ["값"]
    assert set(korean.split("텐서")) <= set(korean.split("텐서를"))
    assert korean.stem("GPU") == "gpu"


@pytest.fixture
def glued_site(make_app, rootdir, tmp_path):
    """Build a copy of the glued sample site as if the measurements had given ``values``."""
    import json
    import shutil

    def build(language: str = "en", builder: str = "html", **values):
        srcdir = tmp_path / f"site-{language}-{builder}"
        shutil.copytree(rootdir / "test-glued", srcdir)
        path = srcdir / "measured.ipynb"
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for output in notebook["cells"][1]["outputs"]:
            name = output["metadata"]["scrapbook"]["name"]
            if name in values:
                output["data"] = {"application/papermill.record/text/plain": repr(values[name])}
        path.write_text(json.dumps(notebook), encoding="utf-8")
        app = make_app(builder, srcdir=srcdir, confoverrides={"language": language})
        app.build()
        return app

    return build


def page(app, name: str = "index") -> str:
    return (app.outdir / f"{name}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("language", "verdict", "shown", "hidden"),
    [
        ("en", "faster", "The cached step was faster.", "slower"),
        ("en", "inconclusive", "cannot tell them apart", "faster"),
        ("ja", "slower", "キャッシュありのステップのほうが遅かった。", "速かった"),
        ("ja", "inconclusive", "この測定では差を判別できない。", "遅かった"),
    ],
)
def test_an_outcome_shows_only_the_case_the_glued_value_names(
    glued_site, language, verdict, shown, hidden
):
    app = glued_site(language, verdict=verdict)
    html = page(app)
    assert shown in html
    assert hidden not in html
    assert app.warning.getvalue() == ""


def test_an_outcome_without_a_case_for_the_value_fails_the_build(glued_site):
    app = glued_site(verdict="sideways")
    assert "no case for the glued value 'sideways'" in app.warning.getvalue()


def test_a_glued_table_has_translated_headers_and_formatted_rows(glued_site):
    import re

    def texts(pattern: str, html: str) -> list[str]:
        return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(pattern, html, re.S)]

    table = page(glued_site("ja")).split("<table")[1].split("</table>")[0]
    assert "新しいトークン 1 個のコスト" in table
    assert texts(r"<th[^>]*>(.*?)</th>", table) == ["カーネル", "位置", "時間 (ms)"]
    cells = texts(r"<td[^>]*>(.*?)</td>", table)
    assert cells == ["attn_fwd", "32", "0.123", "Cijk_Ailk", "64", "2.500"]
    assert '<code class="docutils literal notranslate"><span class="pre">attn_fwd' in table


def test_a_glued_table_fails_on_rows_that_lack_a_column(glued_site):
    app = glued_site(rows=[{"name": "x", "position": 1}])
    assert "rows lack ['ms']" in app.warning.getvalue()


def test_every_case_and_header_reaches_the_catalog(glued_site):
    app = glued_site(builder="gettext")
    pot = (app.outdir / "index.pot").read_text(encoding="utf-8")
    for text in ("was faster", "was slower", "cannot tell", "Kernel", "Time (ms)", "one new token"):
        assert text in pot


def test_the_extension_writes_the_device_lines_without_loading_torch():
    # Every language's Sphinx process loads the extension; torch would cost each one seconds.
    code = (
        "import sys, flowdocs.sphinxext\n"
        "from flowdocs.sphinxext.run_it_yourself import example_device_line\n"
        "print(example_device_line('rocm', '2.13.0'))\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'torch'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    line, loaded = done.stdout.splitlines()
    assert line.startswith('device = "cuda:0" (ROCm GPU AMD Instinct MI300X')
    assert loaded == "[]"
