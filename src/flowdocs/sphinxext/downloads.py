"""``example-downloads``: the lesson's script, and a Jupyter notebook made from it, as buttons.

Both are made while the site builds. The script is the example with the lesson library inside
it (:mod:`flowdocs.sphinxext.standalone`), so it runs with torch alone, and carries the
machines this page shows, which its ``--compare`` prints (a site built without prepared
outputs knows none). The notebook is made from that script by jupytext, from its ``# %%``
cells, so it can never drift from the script: each cell's title becomes a heading, the module
docstring becomes the introduction, the cell that carries the helpers has its code folded
away, and the command-line cell becomes a plain ``main()`` call, because argparse in a kernel
would read the kernel's own arguments.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import jupytext
import nbformat
from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.locale import _
from sphinx.util.docutils import SphinxDirective

from flowdocs.sphinxext.standalone import (
    BUNDLE_TITLE,
    NO_MACHINES,
    NotBundleable,
    standalone_script,
)

COMMAND_LINE = 'if __name__ == "__main__":'
DOWNLOADS_FOLDER = "flowdocs-downloads"
NEEDS = (
    "This notebook needs PyTorch (and matplotlib where it draws a plot): the flowdocs "
    "helpers it imports travel inside it, in the cell below."
)


def docstring_of(code: str) -> str | None:
    """The text of a cell that holds nothing but a docstring, else None."""
    module = ast.parse(code)
    if len(module.body) == 1:
        return ast.get_docstring(module)
    return None


def notebook_of(script: str) -> nbformat.NotebookNode:
    """The script's cells as a notebook that runs top to bottom in a fresh kernel."""
    cells = []
    for cell in jupytext.reads(script, fmt="py:percent").cells:
        docstring = docstring_of(cell.source)
        if docstring is not None:
            title, _blank, body = docstring.partition("\n")
            cells.append(nbformat.v4.new_markdown_cell(f"# {title}\n\n{body.strip()}\n\n{NEEDS}"))
        elif cell.source.startswith(COMMAND_LINE):
            cells.append(nbformat.v4.new_markdown_cell("## Run the lesson"))
            cells.append(nbformat.v4.new_code_cell("result = main()"))
        else:
            title = cell.metadata.get("title")
            if title:
                cells.append(nbformat.v4.new_markdown_cell(f"## {title}"))
            # The helpers' code is folded: JupyterLab and Notebook 7 show "…" until opened.
            folded = {"jupyter": {"source_hidden": True}} if title == BUNDLE_TITLE else {}
            cells.append(nbformat.v4.new_code_cell(cell.source, metadata=folded))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return notebook


def site_json(outputs: str, script: Path) -> tuple[str, Path | None]:
    """The machines the page shows for ``script`` (``flowdocs.build.site_data``), and the file
    they came from; none where the build prepared no outputs."""
    path = Path(outputs, "compare", f"{script.stem}.json") if outputs else None
    if path is None or not path.is_file():
        return NO_MACHINES, None
    return path.read_text(encoding="utf-8"), path


def download_button(docname: str, target: str, label: str, suffix: str) -> nodes.Node:
    """A link Sphinx copies the file for (``:download:``), drawn as a sphinx-design button."""
    button = addnodes.download_reference(
        "", "", refdoc=docname, reftarget=target, refexplicit=True,
        classes=["sd-btn", "sd-btn-outline-primary", "flowdocs-download"],
    )  # fmt: skip
    button += nodes.inline(label, label)
    button += nodes.Text(" ")
    button += nodes.literal(suffix, suffix)
    return button


class ExampleDownloads(SphinxDirective):
    """``{example-downloads} <script>.py``: download buttons for the script and its notebook."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        script = Path(self.config.flowdocs_examples_dir) / self.arguments[0]
        if not script.is_file():
            raise self.error(f"example-downloads: no example script {script}")
        site, site_file = site_json(self.config.flowdocs_outputs, script)
        try:
            standalone, sources = standalone_script(script, site)
        except NotBundleable as err:
            raise self.error(f"example-downloads: {err}") from None
        folder = Path(self.env.doctreedir) / DOWNLOADS_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        script_path = folder / script.name
        script_path.write_text(standalone, encoding="utf-8")
        notebook_path = folder / f"{script.stem}.ipynb"
        nbformat.write(notebook_of(standalone), notebook_path)
        for source in [*sources, *filter(None, [site_file])]:
            self.env.note_dependency(str(source))
        docdir = Path(self.env.doc2path(self.env.docname)).parent
        buttons = nodes.paragraph(classes=["flowdocs-downloads"], translatable=False)
        for path, label in (
            (script_path, _("Download the script")),
            (notebook_path, _("Download the notebook")),
        ):
            target = os.path.relpath(path, docdir)
            buttons += download_button(self.env.docname, target, str(label), path.suffix)
            buttons += nodes.Text(" ")
        return [buttons]


def setup(app: Sphinx) -> None:
    app.add_directive("example-downloads", ExampleDownloads)
