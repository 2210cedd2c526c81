"""Translation gates: every catalog compiles, is complete, in sync, and keeps the markup."""

import ast
import re
import shutil
import subprocess
from collections import Counter

import pytest
from babel.messages.pofile import read_po

from conftest import ROOT
from flowdocs.build.i18n import catalogs, extract
from flowdocs.build.site import site_languages

LANGUAGES = [code for code in site_languages(ROOT / "docs") if code != "en"]
LOCALE = ROOT / "locale"
ROLE = re.compile(r"\{[\w:-]+\}`[^`]*`")
CODE = re.compile(r"`[^`]+`")
LINK_TARGET = re.compile(r"\]\(([^)]+)\)")
MATH = re.compile(r"\$[^$]+\$")


def messages(path):
    with path.open("rb") as handle:
        return [m for m in read_po(handle) if m.id]


def all_catalogs():
    return [(lang, path) for lang in LANGUAGES for path in catalogs(LOCALE, lang)]


def markup(text: str) -> Counter:
    """Roles, code spans, link targets and math of a message: what a translation must keep."""
    roles = ROLE.findall(text)
    rest = ROLE.sub(" ", text)
    return Counter(
        roles + CODE.findall(rest) + LINK_TARGET.findall(rest) + MATH.findall(CODE.sub(" ", rest))
    )


def test_every_language_has_a_catalog_for_every_page():
    for language in LANGUAGES:
        pages = {
            p.relative_to(LOCALE / language / "LC_MESSAGES") for p in catalogs(LOCALE, language)
        }
        sources = {
            p.relative_to(ROOT / "docs").with_suffix(".po")
            for p in ROOT.glob("docs/**/*.md")
            if "_build" not in p.parts
        }
        assert sources - pages == set(), language


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize(("language", "path"), all_catalogs(), ids=str)
def test_catalog_compiles(language, path):
    done = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


@pytest.mark.parametrize(("language", "path"), all_catalogs(), ids=str)
def test_catalog_is_fully_translated(language, path):
    missing = [m.id for m in messages(path) if m.fuzzy or not m.string]
    assert missing == [], f"{path}: fuzzy or untranslated: {missing[:3]}"


@pytest.mark.parametrize(("language", "path"), all_catalogs(), ids=str)
def test_translation_keeps_roles_code_links_and_math(language, path):
    for message in messages(path):
        assert markup(message.string) == markup(message.id), message.id


def test_catalogs_are_in_sync_with_the_english_pages(tmp_path):
    """A fresh extraction yields exactly the messages the catalogs already hold."""
    extract(ROOT / "docs", tmp_path / "gettext")
    for pot in (tmp_path / "gettext").rglob("*.pot"):
        page = pot.relative_to(tmp_path / "gettext").with_suffix(".po")
        wanted = {m.id for m in messages(pot)}
        for language in LANGUAGES:
            held = {m.id for m in messages(LOCALE / language / "LC_MESSAGES" / page)}
            assert held == wanted, f"{language}/{page}: run `nox -s i18n` and translate"


def glossary_terms() -> list[str]:
    """The terms of reference/glossary.md: the unindented lines of its glossary block."""
    source = (ROOT / "docs" / "reference" / "glossary.md").read_text(encoding="utf-8")
    block = source.split("```{glossary}")[1].split("```")[0]
    return [line.strip() for line in block.splitlines() if line.strip() and line[0] != " "]


def renderings(language: str) -> dict[str, str]:
    """Each glossary term's one translation: the glossary entry's msgstr before " (term)"."""
    glossary = {
        m.id: m.string
        for m in messages(LOCALE / language / "LC_MESSAGES" / "reference" / "glossary.po")
    }
    return {term: glossary[term].split(" (")[0] for term in glossary_terms()}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalog_uses_the_glossary_rendering_of_each_term(language):
    wrong = []
    for term, rendering in renderings(language).items():
        pattern = re.compile(rf"(?<![\w.]){re.escape(term)}s?(?![\w(])", re.IGNORECASE)
        for path in catalogs(LOCALE, language):
            for message in messages(path):
                prose = CODE.sub(" ", ROLE.sub(" ", message.id))
                if message.id != term and pattern.search(prose) and rendering not in message.string:
                    wrong.append(
                        f"{path.name}: {term!r} -> {rendering!r} missing in {message.string!r}"
                    )
    assert wrong == [], "\n".join(wrong[:10])


def interface_strings() -> set[str]:
    """Every ``_("...")`` string of flowdocs' own templates and Sphinx extension."""
    found = set()
    for path in ROOT.glob("docs/_templates/**/*.html"):
        for pair in re.findall(r"""_\(\s*(?:"([^"]+)"|'([^']+)')\s*\)""", path.read_text("utf-8")):
            found.add("".join(pair))
    for path in ROOT.glob("src/flowdocs/sphinxext/*.py"):
        # The parser, not a pattern: messages span lines and hold apostrophes.
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_":
                found.add(ast.literal_eval(node.args[0]))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_interface_catalog_translates_flowdocs_own_words(language):
    held = {m.id for m in messages(LOCALE / language / "LC_MESSAGES" / "sphinx.po")}
    assert interface_strings()  # the search itself must find the switcher's label
    assert interface_strings() - held == set()
