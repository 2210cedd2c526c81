"""No guessed addresses: every URL the built site shows or links is one the project configured
or one the pages link on purpose. An address that nobody checked (a repository that may not
exist, say) fails here, in any language, in a link, an image, a code block or the text."""

import html as html_module
import os
import re
from importlib.metadata import metadata
from urllib.parse import urlparse

import pytest

from conftest import ROOT

LANGUAGES = ("en", "ja", "ko")
# The hosts the pages link deliberately, as of this writing: add one only with the link.
LINKED_ON_PURPOSE = {
    "pytorch.org",  # the install selector
    "download.pytorch.org",  # PyTorch's wheel indexes (CPU, ROCm) in the install commands
    "huggingface.co",  # the model configurations the inference theory page cites
    "localhost",  # previewing the built site with python -m http.server
}
# Addresses on shared hosts, linked on purpose by their owner's path (never the whole host).
LINKED_PREFIXES = ("https://github.com/ROCm/",)  # MIOpen's solver sources, who-does-the-work
URL = re.compile(r"""https?://[^\s"'<>()`\\]+|(?:(?<=href=")|(?<=src="))//[^\s"'<>\\]+""")
NAMESPACE = re.compile(r"""\sxmlns(?::\w+)?="[^"]*\"""")  # XML names, never fetched


def configured_hosts() -> set[str]:
    """The hosts of what the project configured: [project.urls], and where the site is
    published (FLOWDOCS_SITE_URL, or Read the Docs' own address), when set."""
    urls = [url.split(", ", 1)[1] for url in metadata("flowdocs").get_all("Project-URL") or []]
    published = ("FLOWDOCS_SITE_URL", "READTHEDOCS_CANONICAL_URL")
    urls += [os.environ.get(name, "") for name in published]
    return {urlparse(url).hostname for url in urls if url}


def addresses(text: str) -> set[str]:
    """Every URL in a file of the site: its attributes, and its text once tags are gone."""
    text = NAMESPACE.sub("", text)
    shown = html_module.unescape(re.sub(r"<[^>]+>", "", text))
    return set(URL.findall(text)) | set(URL.findall(shown))


def unconfigured(text: str, allowed: set[str]) -> set[str]:
    return {
        url
        for url in addresses(text)
        if urlparse(url, scheme="https").hostname not in allowed
        and not url.startswith(LINKED_PREFIXES)
    }


def site_files(site, language):
    """The files of one language that the project writes: pages, their sources, the downloads
    and the project's own static files (not the theme's and Sphinx's vendored scripts)."""
    own_static = {path.name for path in (ROOT / "docs" / "_static").iterdir()}
    for path in sorted((site / language).rglob("*")):
        relative = path.relative_to(site / language)
        vendored = relative.parts[0] == "_static" and path.name not in own_static
        if path.is_file() and not vendored and path.suffix not in {".png", ".inv", ".svg"}:
            yield path


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_site_shows_no_address_the_project_did_not_configure(built_site, language):
    allowed = LINKED_ON_PURPOSE | configured_hosts()
    found = {}
    for path in site_files(built_site.site, language):
        urls = unconfigured(path.read_text(encoding="utf-8"), allowed)
        if urls:
            found[str(path.relative_to(built_site.site))] = sorted(urls)
    assert found == {}


@pytest.mark.parametrize(
    "snippet",
    [
        '<a class="reference external" href="https://github.com/example/flowdocs">code</a>',
        '<pre><span class="go">git clone https://github.com/example/flowdocs</span></pre>',
        "<p>pip install &quot;flowdocs @ git+https://github.com/example/flowdocs&quot;</p>",
        '<img src="//github.com/example/flowdocs/raw/main/logo.png">',
    ],
)
def test_a_guessed_repository_address_would_fail(snippet):
    assert unconfigured(snippet, LINKED_ON_PURPOSE) != set()


def test_namespaces_and_the_linked_hosts_pass():
    page = (
        '<svg xmlns="http://www.w3.org/2000/svg"></svg>'
        '<a href="https://pytorch.org/get-started/locally/">PyTorch</a>'
    )
    assert unconfigured(page, LINKED_ON_PURPOSE) == set()
