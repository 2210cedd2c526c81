"""The book theme's search-field text in the page's language.

sphinx-book-theme builds it from its own catalog, which has no Japanese or Korean for it;
taking it from the interface catalog (``sphinx.po``) keeps every label in one place.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.locale import _


def translate_search_field(app: Sphinx, pagename: str, templatename: str, context, doctree):
    context["theme_search_bar_text"] = str(_("Search..."))


def setup(app: Sphinx) -> None:
    # After the theme's own handler (priority 500), which sets the English text.
    app.connect("html-page-context", translate_search_field, priority=900)
