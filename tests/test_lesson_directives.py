"""The downloads and run-it-yourself directives on a tiny sample site (tests/sites)."""

import html as html_module
import re

import pytest

from flowdocs.sphinxext.downloads import notebook_of
from flowdocs.sphinxext.standalone import BUNDLE_TITLE, standalone_script


@pytest.mark.sphinx("html", testroot="lesson-directives", freshenv=True)
def test_the_directives_give_downloads_and_one_tab_per_machine(app):
    app.build()
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert html.count('class="sd-btn sd-btn-outline-primary flowdocs-download') == 2
    assert (next(app.outdir.glob("_downloads/*/lesson.ipynb"))).is_file()
    for key in ("rocm-container", "rocm-wheels", "cuda", "cpu", "mps"):
        assert f'data-sync-id="{key}"' in html
    text = html_module.unescape(re.sub(r"<[^>]+>", "", html))
    assert "git clone https://example.org/flowdocs" in text
    assert "pip install -e ." in text  # in that clone; the downloads need no flowdocs install


@pytest.mark.sphinx(
    "html", testroot="lesson-directives", freshenv=True, confoverrides={"flowdocs_repository": ""}
)
def test_without_a_repository_the_tabs_offer_no_clone(app):
    app.build()
    text = html_module.unescape(re.sub(r"<[^>]+>", "", (app.outdir / "index.html").read_text()))
    assert "python lesson.py" in text
    assert "git clone" not in text and "pip install -e" not in text


@pytest.mark.sphinx("html", testroot="lesson-directives", freshenv=True)
@pytest.mark.parametrize("directive", ["example-downloads", "run-it-yourself"])
def test_a_missing_script_is_a_one_line_build_error(app, directive):
    (app.srcdir / "index.md").write_text(
        f"# Lesson\n\n```{{{directive}}} gone.py\n```\n", encoding="utf-8"
    )
    app.build()
    assert f"{directive}: no example script" in app.warning.getvalue()


def test_the_notebook_keeps_the_cells_and_calls_main_instead_of_the_command_line(rootdir):
    lesson = rootdir / "test-lesson-directives" / "examples" / "lesson.py"
    script, _sources = standalone_script(lesson)
    notebook = notebook_of(script)
    kinds = [(cell.cell_type, cell.source.splitlines()[0]) for cell in notebook.cells]
    assert kinds == [
        ("markdown", "# A lesson: one line of title."),
        ("markdown", f"## {BUNDLE_TITLE}"),
        ("code", "# Copied from the flowdocs project (src/flowdocs) when the site was built;"),
        ("markdown", "## Imports"),
        ("code", "import sys"),
        ("markdown", "## The lesson"),
        ("code", 'def main(device: str = "auto", quick: bool = True) -> int:'),
        ("markdown", "## Run the lesson"),
        ("code", "result = main()"),
    ]
    assert "the flowdocs helpers it imports travel inside it" in notebook.cells[0].source
    assert notebook.cells[2].metadata == {"jupyter": {"source_hidden": True}}
    assert notebook.metadata["kernelspec"]["name"] == "python3"
