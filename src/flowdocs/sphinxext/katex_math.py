"""Math typeset while the site builds, by KaTeX run inside Python: no Node.js, no CDN, no script.

Each formula becomes KaTeX's HTML, set in KaTeX's fonts for the eye, with its MathML beside it for
screen readers, when the page is written; the page then needs only KaTeX's stylesheet, which the
site serves with the fonts (pages without math do not link it). A formula KaTeX cannot read is a
warning at its line, so the build (``-W``) stops there instead of showing red source text.

Why this way, chosen to keep working for years (a ROCm container has Python, not Node.js):

- KaTeX is in the repository, ``static/katex``: ``katex.min.js``, ``katex.min.css``, the woff2
  fonts and KaTeX's MIT licence, as the ``dist/`` folder of its release has them (the same files
  the site served before, when npm installed them). One release, so the markup, the stylesheet and
  the fonts always match. PyPI has no package that ships KaTeX's stylesheet and fonts except inside
  other applications (django CMS and Wagtail plugins, JupyterLab bundles). To update, replace
  those files with a newer release's (``npm pack katex@VERSION`` holds them) and rebuild: a
  changed static file re-renders every page (``static_files``).
- Its JavaScript runs in dukpy (the Duktape engine; on PyPI since 2015, wheels for every current
  CPython, no dependencies; values cross as JSON). For this site's formulas the markup is byte for
  byte what Node.js gives, with this KaTeX (0.16.22) and with 0.19.1. Duktape reads ES5.1 and
  parts of ES2015, what KaTeX's release builds are compiled to; should a KaTeX need more, the
  engine is one function here (``typesetter``). Passed over: mini-racer
  (V8) hung at exit in three of four runs here; quickjs-ng's wrapper fails on the long strings
  KaTeX returns ("Unknown quickjs tag: -6", QuickJS's ropes); pykatex is an alpha that builds one
  KaTeX into its binary; latex2mathml writes the ``&`` of ``aligned`` as text; MathML without
  KaTeX's HTML sets subscripts well in Chromium only where the reader has a math font.
"""

from __future__ import annotations

import functools
from pathlib import Path

import dukpy
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number
from sphinx.writers.html5 import HTML5Translator

# Served as _static/katex/..., katex.min.js too (no page loads it): KaTeX's files and its licence
# travel together.
STATIC = Path(__file__).with_name("static")
KATEX = STATIC / "katex"
STYLESHEET = "katex/katex.min.css"
# KaTeX's defaults, except that an error raises (a warning here) and so does LaTeX that KaTeX
# only tolerates (its "strict" warnings would go to a console nobody reads).
OPTIONS = {"throwOnError": True, "strict": "error"}

logger = logging.getLogger(__name__)


@functools.cache
def typesetter() -> dukpy.JSInterpreter:
    """KaTeX, loaded once per process (Sphinx builds each language in a process of its own)."""
    interpreter = dukpy.JSInterpreter()
    interpreter.evaljs((KATEX / "katex.min.js").read_text(encoding="utf-8") + ";null")
    return interpreter


def typeset(latex: str, display: bool) -> str:
    """KaTeX's HTML and MathML for one formula; raises dukpy.JSRuntimeError with KaTeX's reason."""
    return typesetter().evaljs(
        "katex.renderToString(dukpy.latex, dukpy.options)",
        latex=latex,
        options={**OPTIONS, "displayMode": display},
    )


def typeset_into(translator: HTML5Translator, node: nodes.Element, display: bool) -> None:
    try:
        translator.body.append(typeset(node.astext(), display))
    except dukpy.JSRuntimeError as error:
        # "ParseError: KaTeX parse error: <why>: <the formula up to where it failed>"
        logger.warning(str(error).splitlines()[0].removeprefix("ParseError: "), location=node)
        translator.body.append(translator.encode(node.astext()))


def visit_inline(translator: HTML5Translator, node: nodes.math) -> None:
    translator.body.append(translator.starttag(node, "span", "", CLASS="math notranslate"))
    typeset_into(translator, node, display=False)
    translator.body.append("</span>")
    raise nodes.SkipNode


def visit_block(translator: HTML5Translator, node: nodes.math_block) -> None:
    """A displayed formula; with ``:label:``, its number and a link to it, as Sphinx writes them."""
    translator.body.append(translator.starttag(node, "div", CLASS="math notranslate"))
    if node["number"]:
        number = get_node_equation_number(translator, node)
        translator.body.append(f'<span class="eqno">({number})')
        translator.add_permalink_ref(node, _("Link to this equation"))
        translator.body.append("</span>")
    typeset_into(translator, node, display=True)
    translator.body.append("</div>\n")
    raise nodes.SkipNode


def serve_fonts(app: Sphinx) -> None:
    app.config.html_static_path.append(str(STATIC))


def link_stylesheet(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if context.get("has_maths_elements"):
        app.builder.add_css_file(STYLESHEET)


def setup(app: Sphinx) -> None:
    app.add_html_math_renderer("katex", (visit_inline, None), (visit_block, None))
    app.connect("builder-inited", serve_fonts)
    app.connect("html-page-context", link_stylesheet)
