"""What the flowdocs site needs that no Sphinx extension gives; add ``flowdocs.sphinxext``."""

from __future__ import annotations

from sphinx.application import Sphinx

from flowdocs.sphinxext import (
    descriptions,
    downloads,
    example_source,
    katex_assets,
    korean_search,
    languages,
    ran_on,
    run_it_yourself,
    toc_captions,
    tracebacks,
)


def setup(app: Sphinx) -> dict:
    parts = (example_source, tracebacks, languages, korean_search, ran_on, downloads)
    parts += (run_it_yourself, katex_assets, descriptions, toc_captions)
    for part in parts:
        part.setup(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
