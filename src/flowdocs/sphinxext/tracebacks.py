"""Fail the build when an executed page shows a traceback it did not ask for.

myst-nb already stops on a cell that raises; this catches the quieter case of a traceback
printed to a cell's output (a caught exception, a failing subprocess) that would otherwise be
published and cached as a good run. Cells tagged ``raises-exception`` are allowed to show one.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)
TRACEBACK = "Traceback (most recent call last)"


def check_outputs(app: Sphinx, doctree: nodes.document) -> None:
    for block in doctree.findall(nodes.literal_block):
        if "output" not in block["classes"]:
            continue
        if "traceback" not in block["classes"] and TRACEBACK not in block.astext():
            continue
        cell = block.parent
        while cell is not None and "cell" not in cell.get("classes", []):
            cell = cell.parent
        if cell is not None and "tag_raises-exception" in cell["classes"]:
            continue
        last_line = block.astext().strip().splitlines()[-1]
        logger.warning(
            f"an executed cell shows a traceback: {last_line}",
            location=block,
            type="flowdocs",
            subtype="traceback",
        )


def setup(app: Sphinx) -> None:
    app.connect("doctree-read", check_outputs)
