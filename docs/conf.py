"""Sphinx configuration of the flowdocs site (English source; Japanese and Korean catalogs)."""

import os
from importlib.metadata import metadata
from pathlib import Path

DOCS = Path(__file__).parent.resolve()
ROOT = DOCS.parent
EXAMPLES = ROOT / "examples"

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
copyright = "2026"  # the footer adds "the flowdocs authors" in the page's language
language = "en"

# The project's repository ([project.urls] in pyproject.toml), unset until it is real: the
# run-it-yourself tabs offer a clone of the project only when it is set.
flowdocs_repository = dict(
    url.split(", ", 1) for url in metadata("flowdocs").get_all("Project-URL") or []
).get("Repository", "")
# Where the deployed site lives (the folder holding en/, ja/, ko/): the hreflang links and
# canonical URLs must be absolute for search engines, so a build without it writes neither. Set
# it when publishing to a static host (Read the Docs sets html_baseurl and flowdocs_language_url
# above instead).
flowdocs_site_url = os.environ.get("FLOWDOCS_SITE_URL", "")

extensions = [
    "myst_nb",
    "sphinx_design",
    "sphinx_copybutton",
    "flowdocs.sphinxext",
]
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

myst_enable_extensions = ["colon_fence", "deflist", "attrs_inline", "dollarmath", "amsmath"]

myst_heading_anchors = 3

# Translations: one catalog per page in <repo>/locale, compiled by sphinx-build itself.
locale_dirs = [str(ROOT / "locale")]
gettext_compact = False
gettext_location = False  # no line numbers: editing one paragraph does not churn every entry
gettext_additional_targets = []  # code, outputs and glued values stay out of the catalogs

# Furo: the field's light theme. Lighthouse (mobile) measured 0.97 to 1.0 for performance on
# this site's pages with it, against 0.81 to 0.90 for sphinx-book-theme even without its icon
# script (its stylesheet alone is 64 KiB compressed): see tests/test_lighthouse.py.
html_theme = "furo"
html_title = "flowdocs"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"
html_css_files = ["flowdocs.css"]
html_js_files = ["flowdocs.js"]
html_show_sphinx = False
html_sidebars = {
    "**": [
        "sidebar/brand.html",
        "sidebar/search.html",
        "language-switcher.html",
        "sidebar/scroll-start.html",
        "sidebar/navigation.html",
        "sidebar/scroll-end.html",
    ]
}
# PyTorch's orange-red as the brand colour, darkened (light) or lightened (dark) until links
# keep a 4.5:1 contrast with the page.
html_theme_options = {
    "light_css_variables": {"color-brand-primary": "#b9361b", "color-brand-content": "#b9361b"},
    "dark_css_variables": {"color-brand-primary": "#ff8a6b", "color-brand-content": "#ff8a6b"},
    "top_of_page_buttons": [],
}
