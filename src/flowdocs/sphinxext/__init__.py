"""What the flowdocs site needs that no Sphinx extension gives; add ``flowdocs.sphinxext``."""

from __future__ import annotations

from sphinx.application import Sphinx

from flowdocs.sphinxext import example_source, tracebacks


def setup(app: Sphinx) -> dict:
    example_source.setup(app)
    tracebacks.setup(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
