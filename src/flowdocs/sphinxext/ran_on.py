"""Where-it-ran banner: every executed page says, in its own language, where its outputs came from.

The device line is read from the page's own executed output (every example prints
``device = "..." (...)`` first), so the banner can never disagree with the outputs below it,
even when they come from the execution cache.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.locale import _

DEVICE_LINE = 'device = "'


def device_line(doctree: nodes.document) -> str | None:
    for block in doctree.findall(nodes.literal_block):
        if "output" in block["classes"]:
            for line in block.astext().splitlines():
                if line.startswith(DEVICE_LINE):
                    return line
    return None


def add_banner(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    line = device_line(doctree)
    if line is None:
        return
    banner = nodes.container(classes=["flowdocs-ran-on"])
    banner += nodes.paragraph(
        "",
        _("The outputs on this page were computed while this site was built, on:") + " ",
        nodes.literal(line, line),
    )
    title = next(iter(doctree.findall(nodes.title)), None)
    section = title.parent if title is not None else doctree
    section.insert(section.index(title) + 1 if title is not None else 0, banner)


def setup(app: Sphinx) -> None:
    app.connect("doctree-resolved", add_banner)
