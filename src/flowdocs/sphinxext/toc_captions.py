"""Sidebar section titles that assistive technology can place: a heading level for each.

Sphinx writes a toctree's caption as ``<p class="caption" role="heading">`` without the
``aria-level`` that ARIA requires of a heading (axe: aria-required-attr, critical). Furo shows
these captions (Theory, Hands-on, Reference) in its navigation; they sit under the site's name,
so they are level 2.
"""

from __future__ import annotations

from sphinx.application import Sphinx

CAPTION = '<p class="caption" role="heading">'


def add_heading_level(app: Sphinx, pagename: str, templatename: str, context, doctree) -> None:
    for key in ("furo_navigation_tree", "body"):
        if isinstance(context.get(key), str):
            context[key] = context[key].replace(
                CAPTION, '<p class="caption" role="heading" aria-level="2">'
            )


def setup(app: Sphinx) -> None:
    # After furo's own handler (priority 500) has built its navigation tree.
    app.connect("html-page-context", add_heading_level, priority=900)
