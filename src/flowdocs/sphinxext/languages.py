"""The same page in every language: switcher links, ``hreflang`` alternates.

The deployable site puts each language in a sibling folder (``site/en``, ``site/ja``, ...),
so the same page in another language is ``../<lang>/<page>.html`` from the language root. A host
that serves each language elsewhere (Read the Docs: one project per language) sets
``flowdocs_language_url``, e.g. ``https://x.readthedocs.io/{language}/latest/{page}.html``.
``flowdocs_languages`` in conf.py lists the languages (code -> own name). When
``flowdocs_site_url`` names where the sibling-folder site is published, the ``hreflang``
alternates and the canonical link are absolute, as search engines require. A build that knows
no address writes no ``hreflang`` alternates at all (search engines reject relative ones); its
language switcher still links the other languages, relatively.
"""

from __future__ import annotations

from urllib.parse import urlparse

from sphinx.application import Sphinx


def alternates(app: Sphinx, pagename: str) -> list[dict]:
    """One entry per site language: code, its own name, a link, and whether current."""
    url = app.config.flowdocs_language_url or site_root(app, pagename) + "{language}/{page}.html"
    return [
        {
            "code": code,
            "name": name,
            "href": url.format(language=code, page=pagename),
            "current": code == app.config.language,
        }
        for code, name in app.config.flowdocs_languages.items()
    ]


def site_root(app: Sphinx, pagename: str) -> str:
    """The folder holding every language: the published URL if known, else relative."""
    if app.config.flowdocs_site_url:
        return app.config.flowdocs_site_url.rstrip("/") + "/"
    return "../" * (pagename.count("/") + 1)


def add_alternates(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    links = alternates(app, pagename)
    context["flowdocs_alternates"] = links
    if not all(urlparse(link["href"]).netloc for link in links):
        return  # relative: search engines reject them (Lighthouse: "Relative href value")
    tags = [
        f'<link rel="alternate" hreflang="{link["code"]}" href="{link["href"]}" />'
        for link in links
    ]
    # The first configured language (English) serves readers whose language the site lacks.
    tags.append(f'<link rel="alternate" hreflang="x-default" href="{links[0]["href"]}" />')
    context["metatags"] = context.get("metatags", "") + "\n" + "\n".join(tags)


def set_canonical_root(app: Sphinx, config) -> None:
    """Sphinx writes ``<link rel="canonical">`` from ``html_baseurl``: this language's folder."""
    if config.flowdocs_site_url and not config.html_baseurl:
        config.html_baseurl = f"{config.flowdocs_site_url.rstrip('/')}/{config.language}/"


def setup(app: Sphinx) -> None:
    app.add_config_value("flowdocs_languages", {"en": "English"}, "html", dict)
    app.add_config_value("flowdocs_language_url", "", "html", str)
    app.add_config_value("flowdocs_site_url", "", "html", str)
    app.connect("config-inited", set_canonical_root)
    app.connect("html-page-context", add_alternates)
