"""``example-downloads``: the lesson's script, and a Jupyter notebook made from it, as buttons.

The notebook is made while the site builds, by jupytext, from the script's ``# %%`` cells, so
it can never drift from the script: each cell's title becomes a heading, the module docstring
becomes the introduction (with the one command that installs the flowdocs helpers), and the
command-line cell becomes a plain ``main()`` call, because argparse in a kernel would read the
kernel's own arguments.
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

COMMAND_LINE = 'if __name__ == "__main__":'
NOTEBOOK_FOLDER = "flowdocs-notebooks"


def docstring_of(code: str) -> str | None:
    """The text of a cell that holds nothing but a docstring, else None."""
    module = ast.parse(code)
    if len(module.body) == 1:
        return ast.get_docstring(module)
    return None


def notebook_of(script: Path, install_command: str) -> nbformat.NotebookNode:
    """The script's cells as a notebook that runs top to bottom in a fresh kernel."""
    cells = []
    for cell in jupytext.read(script).cells:
        docstring = docstring_of(cell.source)
        if docstring is not None:
            title, _blank, body = docstring.partition("\n")
            needs = (
                f"Besides PyTorch, this notebook needs the flowdocs helpers:\n`{install_command}`"
            )
            cells.append(nbformat.v4.new_markdown_cell(f"# {title}\n\n{body.strip()}\n\n{needs}"))
        elif cell.source.startswith(COMMAND_LINE):
            cells.append(nbformat.v4.new_markdown_cell("## Run the lesson"))
            cells.append(nbformat.v4.new_code_cell("result = main()"))
        else:
            if cell.metadata.get("title"):
                cells.append(nbformat.v4.new_markdown_cell(f"## {cell.metadata['title']}"))
            cells.append(nbformat.v4.new_code_cell(cell.source))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return notebook


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
        notebook_path = Path(self.env.doctreedir) / NOTEBOOK_FOLDER / f"{script.stem}.ipynb"
        notebook_path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook_of(script, self.config.flowdocs_install_command), notebook_path)
        self.env.note_dependency(str(script))
        docdir = Path(self.env.doc2path(self.env.docname)).parent
        buttons = nodes.paragraph(classes=["flowdocs-downloads"], translatable=False)
        for path, label in (
            (script, _("Download the script")),
            (notebook_path, _("Download the notebook")),
        ):
            target = os.path.relpath(path, docdir)
            buttons += download_button(self.env.docname, target, str(label), path.suffix)
            buttons += nodes.Text(" ")
        return [buttons]


def setup(app: Sphinx) -> None:
    app.add_config_value("flowdocs_install_command", "pip install flowdocs", "env", str)
    app.add_directive("example-downloads", ExampleDownloads)
