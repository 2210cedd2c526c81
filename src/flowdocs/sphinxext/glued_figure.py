"""``glued-figure``: a glued plot whose caption is written in the page, and is its alt text.

A plot carries numbers and code names only; what it shows is said by its caption, a paragraph
of the page that is translated through the catalogs like any other. Images get no alt text of
their own (an ``:alt:`` option would stay English: options never reach the catalogs), so every
captioned figure's images take the translated caption as their alt text.

``glued-figure`` is myst-nb's ``glue:figure`` with two differences: when pages are not executed
(``nb_execution_mode = "off"``, as when messages are extracted) there is no plot to paste, and
the figure keeps its caption instead of being dropped, so the caption still reaches the catalogs;
and ``:class:`` reaches the image (``dark-light`` tells the theme to keep a plot transparent in
dark mode), which ``glue:figure`` 1.x drops.
"""

from __future__ import annotations

from docutils import nodes
from myst_nb.core.variables import RetrievalError
from myst_nb.ext.glue.directives import PasteFigureDirective
from myst_nb.ext.glue.utils import retrieve_glue_data
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform


class GluedFigure(PasteFigureDirective):
    """``glue:figure``, whose caption survives a build that executes nothing."""

    def run(self) -> list[nodes.Node]:
        if self.document.settings.env.config.nb_execution_mode == "off":
            try:
                retrieve_glue_data(self.document, self.arguments[0])
            except RetrievalError:
                return [self.caption_only()]
        classes = self.options.pop("class", "").split()
        pasted = super().run()
        for figure in pasted:
            for image in figure.findall(nodes.image):
                image["classes"] += classes
        return pasted

    def caption_only(self) -> nodes.figure:
        parsed = nodes.Element()
        self.state.nested_parse(self.content, self.content_offset, parsed)
        paragraph = parsed[0]
        caption = nodes.caption(paragraph.rawsource, "", *paragraph.children)
        caption.source, caption.line = paragraph.source, paragraph.line  # Sphinx extracts
        return nodes.figure("", caption)  # only messages that know their source


class CaptionAsAltText(SphinxPostTransform):
    """Give each captioned figure's images the caption's text as their alt text."""

    default_priority = 900  # after translation, and after glued outputs are pasted

    def run(self, **kwargs) -> None:
        for figure in self.document.findall(nodes.figure):
            caption = next((c for c in figure.children if isinstance(c, nodes.caption)), None)
            if caption is None:
                continue
            for image in figure.findall(nodes.image):
                if not image.get("alt"):
                    image["alt"] = " ".join(caption.astext().split())


def setup(app: Sphinx) -> None:
    app.add_directive("glued-figure", GluedFigure)
    app.add_post_transform(CaptionAsAltText)
