"""What the flowdocs site needs that no Sphinx extension gives; add ``flowdocs.sphinxext``."""

from __future__ import annotations

from sphinx.application import Sphinx

from flowdocs.sphinxext import (
    descriptions,
    downloads,
    environment,
    example_source,
    glued,
    glued_figure,
    katex_math,
    korean_search,
    languages,
    outputs,
    ran_on,
    run_it_yourself,
    source_tabs,
    static_files,
    toc_captions,
)


def setup(app: Sphinx) -> dict:
    parts = (
        environment,
        example_source,
        glued,
        glued_figure,
        languages,
        korean_search,
        outputs,
        ran_on,
        source_tabs,
        static_files,
        downloads,
        run_it_yourself,
        katex_math,
        descriptions,
        toc_captions,
    )
    for part in parts:
        part.setup(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
