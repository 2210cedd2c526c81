"""Sphinx configuration of the flowdocs site (English source; Japanese and Korean catalogs)."""

import os
from pathlib import Path

DOCS = Path(__file__).parent.resolve()
EXAMPLES = DOCS.parent / "examples"

# The site's languages: code -> the language's own name. Adding one is a line here plus
# its catalogs in locale/<code>/LC_MESSAGES (see how-to/translate).
flowdocs_languages = {"en": "English", "ja": "日本語", "ko": "한국어"}

# Read the Docs serves each language as a project of its own at /<language>/<version>/ and says
# where this one lives; the language switcher then links the other projects.
READTHEDOCS_URL = os.environ.get("READTHEDOCS_CANONICAL_URL")
if READTHEDOCS_URL:
    html_baseurl = READTHEDOCS_URL
    flowdocs_language_url = (
        READTHEDOCS_URL.replace(f"/{os.environ['READTHEDOCS_LANGUAGE']}/", "/{language}/", 1)
        + "{page}.html"
    )

project = "flowdocs"
author = "the flowdocs authors"
copyright = "2026, the flowdocs authors"
language = "en"

extensions = ["myst_nb", "sphinx_design", "sphinx_copybutton", "flowdocs.sphinxext"]
exclude_patterns = [
    "_build",
    "jupyter_execute",
    "_templates",
    "recordings",
    "**/.ipynb_checkpoints",
]
templates_path = ["_templates"]

flowdocs_examples_dir = str(EXAMPLES)

# Outputs: flowdocs.build.outputs executes the pages (once for every language, or takes them from
# a recording) before Sphinx starts, and leaves them here; myst-nb reads them from its cache view
# and executes nothing. flowdocs.build.site passes -D flowdocs_outputs for other build folders.
flowdocs_outputs = str(DOCS / "_build" / "outputs")
nb_execution_mode = "cache"
nb_execution_in_temp = False
nb_merge_streams = False  # the build merges each machine's streams itself
nb_render_markdown_format = "myst"  # the build's per-machine output markers are MyST

myst_enable_extensions = ["colon_fence", "deflist", "attrs_inline"]
myst_heading_anchors = 3

# Translations: one catalog per page in <repo>/locale, compiled by sphinx-build itself.
locale_dirs = [str(DOCS.parent / "locale")]
gettext_compact = False
gettext_location = False  # no line numbers: editing one paragraph does not churn every entry
gettext_additional_targets = []  # code, outputs and glued values stay out of the catalogs

html_theme = "sphinx_book_theme"
html_title = "flowdocs"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"
html_context = {"default_mode": "auto"}  # follow the reader's light or dark preference
html_css_files = ["flowdocs.css"]
html_js_files = ["flowdocs.js"]
html_sidebars = {
    "**": [
        "navbar-logo.html",
        "search-button-field.html",
        "language-switcher.html",
        "sbt-sidebar-nav.html",
    ]
}
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": False,
}
