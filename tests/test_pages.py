"""flowdocs.build.pages: which code a page runs, and the one hash that says when it changed."""

import shutil
import textwrap

from conftest import notebook_page
from flowdocs.build.pages import PACKAGE_DIR, executed_pages, imported_names


def page(title: str, module: str) -> str:
    return notebook_page(title, f"%matplotlib inline\nimport {module}\n{module}.main()")


def project(tmp_path, **scripts: str):
    """docs/ with one executed page per script, examples/ with the scripts, and a plain page."""
    docs, examples = tmp_path / "docs", tmp_path / "examples"
    (docs / "_build").mkdir(parents=True)
    examples.mkdir()
    (docs / "plain.md").write_text("# No code here\n")
    (docs / "_build" / "old.md").write_text(page("Built", "one"))
    for name, source in scripts.items():
        (examples / f"{name}.py").write_text(textwrap.dedent(source))
        (docs / f"{name}.md").write_text(page(name, name))
    return docs, examples


def pages_by_name(docs, examples):
    return {page.docname: page for page in executed_pages(docs, examples)}


def test_imports_are_found_through_magics_and_relative_imports():
    assert {"torch", "torch.nn", "flowdocs", "flowdocs.cli"} <= imported_names(
        "%time x = 1\nimport torch.nn\nfrom flowdocs import cli\n"
    )
    assert "flowdocs.device" in imported_names("from .device import pick_device", "flowdocs")


def test_a_page_runs_its_scripts_and_the_lesson_library_they_import(tmp_path):
    docs, examples = project(
        tmp_path,
        one="from flowdocs import cli\nimport two\n",
        two="from flowdocs.measure import time_interleaved\n",
    )
    pages = pages_by_name(docs, examples)
    assert sorted(pages) == ["one", "two"]  # no plain page, nothing under _build
    inputs = {path.relative_to(path.parent.parent).as_posix() for path in pages["one"].inputs}
    assert {"examples/one.py", "examples/two.py", "flowdocs/cli.py"} <= inputs
    assert {"flowdocs/measure.py", "flowdocs/__init__.py"} <= inputs  # through two.py
    assert not any("sphinxext" in name or "build/" in name for name in inputs)
    assert "matplotlib" not in pages["one"].modules  # a magic is not an import


def test_a_clone_in_another_folder_gets_the_same_hashes(tmp_path, monkeypatch):
    # The lesson library between the two clones, so that their paths sort on either side of it.
    library = tmp_path / "m" / "flowdocs"
    shutil.copytree(PACKAGE_DIR, library)
    monkeypatch.setattr("flowdocs.build.pages.PACKAGE_DIR", library)
    scripts = {"one": "from flowdocs import cli\nimport two\n", "two": "x = 1\n"}
    digests = [
        {name: page.digest for name, page in pages_by_name(*project(clone, **scripts)).items()}
        for clone in (tmp_path / "a", tmp_path / "z")
    ]
    assert digests[0] == digests[1]


def test_editing_a_script_changes_only_the_pages_that_run_it(tmp_path):
    docs, examples = project(tmp_path, one="import two\n", two="x = 1\n", three="y = 2\n")
    before = {name: page.digest for name, page in pages_by_name(docs, examples).items()}
    (examples / "two.py").write_text("x = 2\n")
    after = {name: page.digest for name, page in pages_by_name(docs, examples).items()}
    assert after["one"] != before["one"] and after["two"] != before["two"]
    assert after["three"] == before["three"]


def test_the_builder_and_the_extension_are_no_input_of_any_page(tmp_path):
    docs, examples = project(tmp_path, one="from flowdocs import cli, device, measure, profile\n")
    (page,) = executed_pages(docs, examples)
    library = {path for path in page.inputs if path.is_relative_to(PACKAGE_DIR)}
    assert library and all(path.parent == PACKAGE_DIR for path in library)
