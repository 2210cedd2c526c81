"""What the flowdocs site needs that no Sphinx extension gives; add ``flowdocs.sphinxext``."""

from __future__ import annotations

from sphinx.application import Sphinx

from flowdocs.sphinxext import (
    example_source,
    glued,
    glued_figure,
    korean_search,
    languages,
    ran_on,
    tracebacks,
)


def setup(app: Sphinx) -> dict:
    for part in (example_source, glued, glued_figure, tracebacks, languages, korean_search, ran_on):
        part.setup(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
