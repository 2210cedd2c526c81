"""What the built pages give a reader to take away: downloads, run-it-yourself tabs, math, and
a description in the page's language. The HTML is read as the build wrote it."""

import re
from importlib.metadata import version
from pathlib import Path

import jupytext
import nbformat
import pytest

from conftest import ROOT

LESSONS = {
    "inference": "inference_flow.py",
    "training": "training_flow.py",
    "autograd-modes": "autograd_modes.py",
    "who-does-the-work": "who_does_the_work.py",
    "kv-cache": "kv_cache.py",
}
LANGUAGES = ("en", "ja", "ko")
PLATFORMS = ["rocm-container", "rocm-wheels", "cuda", "cpu", "mps"]


def downloads(built_site, language: str, page: str) -> dict[str, Path]:
    """The files a page offers for download, by suffix, as the site serves them."""
    html = built_site.page(language, f"hands-on/{page}")
    links = re.findall(r'<a class="[^"]*download[^"]*"[^>]*href="\.\./([^"]+)"', html)
    return {Path(link).suffix: built_site.site / language / link for link in links}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("page", "script"), LESSONS.items())
def test_every_lesson_offers_its_script_and_a_notebook(built_site, language, page, script):
    files = downloads(built_site, language, page)
    assert set(files) == {".py", ".ipynb"}
    assert files[".py"].read_bytes() == (ROOT / "examples" / script).read_bytes()
    notebook = nbformat.read(files[".ipynb"], as_version=4)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    script_cells = [cell.source for cell in jupytext.read(ROOT / "examples" / script).cells]
    # Every cell of the script, bar the docstring and the command line, is in the notebook.
    assert code[:-1] == script_cells[1:-1]
    assert code[-1] == "result = main()"
    assert "pip install" in notebook.cells[0].source


@pytest.mark.parametrize(("page", "script"), LESSONS.items())
def test_the_notebook_runs_top_to_bottom_in_a_fresh_kernel(built_site, tmp_path, page, script):
    from nbclient import NotebookClient

    notebook = nbformat.read(downloads(built_site, "en", page)[".ipynb"], as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={
        "metadata": {"path": str(tmp_path)}  # a reader's folder, not the project's
    }).execute()  # fmt: skip
    printed = "".join(
        output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
    )
    assert printed.startswith('device = "'), printed[:200]


def tabs(html: str) -> list[tuple[str, str, str]]:
    """(sync id, label, what follows up to the next tab) of each run-it-yourself tab."""
    labels = list(
        re.finditer(
            r'<label [^>]*data-sync-group="flowdocs-platform" data-sync-id="([^"]+)"[^>]*>'
            r"\s*(.*?)\s*</label>",
            html,
            re.S,
        )
    )
    ends = [label.start() for label in labels[1:]] + [labels[-1].end() + 5000] if labels else []
    return [
        (label.group(1), label.group(2), html[label.end() : end])
        for label, end in zip(labels, ends, strict=True)
    ]


@pytest.mark.parametrize("page", LESSONS)
def test_every_lesson_has_the_same_tabs_in_each_language(built_site, page):
    labels = {}
    for language in LANGUAGES:
        found = tabs(built_site.page(language, f"hands-on/{page}"))
        assert [key for key, _label, _content in found] == PLATFORMS
        labels[language] = [label for _key, label, _content in found]
    assert labels["ja"] != labels["en"] and labels["ko"] != labels["en"]


def test_the_tabs_install_the_torch_this_site_was_built_with(built_site):
    html = built_site.page("en", "hands-on/inference")
    pins = set(re.findall(r"torch==([0-9.]+)", html))
    assert pins == {version("torch").split("+")[0]}


def test_the_cpu_tab_shows_the_line_the_lesson_prints_on_a_cpu(built_site):
    """The tab's example and the build's own first output line have the same form."""
    html = built_site.page("en", "hands-on/inference")
    printed = re.search(r'<pre><span></span>(device = "[^\n]*)', html).group(1)
    if not printed.startswith('device = "cpu"'):
        pytest.skip("this build did not run on a CPU")
    cpu_tab = next(content for key, _label, content in tabs(html) if key == "cpu")
    shown = re.search(r'(device = "cpu"[^<\n]*)', cpu_tab).group(1)
    form = r'device = "cpu" \(CPU \S+, \d+ threads, torch \d+\.\d+\.\d+(\+cpu)?\)'
    assert re.fullmatch(form, printed) and re.fullmatch(form, shown), (printed, shown)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", ["hands-on/inference", "hands-on/training", "hands-on/kv-cache"])
def test_formulas_are_typeset_with_the_sites_own_katex(built_site, language, page):
    html = built_site.page(language, page)
    assert 'class="katex"' in html and "katex-error" not in html
    assert re.search(r'href="[./]*_static/katex/katex\.min\.css', html)
    stylesheet = built_site.site / language / "_static" / "katex" / "katex.min.css"
    for font in re.findall(r"url\((fonts/[^)]+\.woff2)\)", stylesheet.read_text()):
        assert (stylesheet.parent / font).is_file(), font


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_describes_itself_in_its_language(built_site, language):
    for path in (built_site.site / language).rglob("*.html"):
        if "_static" in path.parts:
            continue
        found = re.findall(r'<meta name="description" content="([^"]+)"', path.read_text())
        assert len(found) == 1, path
        if language != "en":
            assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7a3]", found[0]), path
