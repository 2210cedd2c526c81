"""A meta description on every page, in the page's own language: what a search engine shows.

It is the page's first paragraph of prose, read from the translated doctree, so it follows the
translation; pages without prose (search, the index of terms) describe the site.
"""

from __future__ import annotations

import html
import textwrap

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.locale import _

LIMIT = 160  # characters: about what a search result shows


def is_prose(paragraph: nodes.paragraph) -> bool:
    """Not inside a note, a banner (the where-it-ran note), a card or a tab."""
    parent = paragraph.parent
    while parent is not None:
        if isinstance(parent, (nodes.Admonition, nodes.container, nodes.table)):
            return False
        parent = parent.parent
    return True


def first_paragraph(doctree: nodes.document) -> str | None:
    for paragraph in doctree.findall(nodes.paragraph):
        if is_prose(paragraph):
            return " ".join(paragraph.astext().split())
    return None


def shorten(text: str, language: str) -> str:
    """Cut at a word where words are spaced; Japanese has no spaces: cut at a character."""
    if len(text) <= LIMIT:
        return text
    if language == "ja":
        return text[: LIMIT - 1] + "…"
    return textwrap.shorten(text, LIMIT, placeholder=" …")


def add_description(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    text = first_paragraph(doctree) if doctree is not None else None
    if not text:
        text = str(_("See how a neural network runs: PyTorch lessons executed on a real machine."))
    content = html.escape(shorten(text, app.config.language))
    context["metatags"] = (
        context.get("metatags", "") + f'\n<meta name="description" content="{content}" />'
    )


def setup(app: Sphinx) -> None:
    app.connect("html-page-context", add_description)
