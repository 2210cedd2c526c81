"""Builds that cost what changed: which pages each kind of edit rewrites, and what it executes.

One copy of the project is built once (with the outputs the session's site build already
executed); each test then makes one kind of edit and checks the next build against it.
"""

import re

import pytest

from conftest import build_site, copy_project, executed, written

LANGUAGES = ("en", "ja", "ko")
ALL_PAGES = 11  # every page of the site, generated ones (genindex, search) aside


@pytest.fixture(scope="module")
def project(tmp_path_factory, built_site):
    docs = copy_project(tmp_path_factory.mktemp("incremental") / "project", built_site) / "docs"
    first = build_site(docs, docs / "_build")
    assert first.returncode == 0, first.log[-3000:]
    assert executed(first.log) == []
    return docs


def rebuild(docs):
    build = build_site(docs, docs / "_build")
    assert build.returncode == 0, build.log[-3000:]
    return build


def html(docs, language: str, page: str) -> str:
    return (docs / "_build" / "site" / language / f"{page}.html").read_text(encoding="utf-8")


def edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_nothing_changed_starts_no_sphinx_and_executes_nothing(project):
    build = rebuild(project)
    assert executed(build.log) == []
    for language in LANGUAGES:
        assert f"{language} is up to date" in build.log
        assert written(build.log, language) == set()


def test_an_english_paragraph_rerenders_that_page_in_every_language(project):
    edit(project / "hands-on" / "inference.md", "does not learn anything", "learns nothing")
    build = rebuild(project)
    assert executed(build.log) == []
    for language in LANGUAGES:
        pages = written(build.log, language)
        assert "hands-on/inference" in pages, language
        assert len(pages) <= 3, (language, pages)  # the page, and its neighbours' navigation
    assert "learns nothing" in html(project, "en", "hands-on/inference")


def test_a_catalog_rerenders_that_page_in_that_language_only(project):
    catalog = project.parent / "locale" / "ja" / "LC_MESSAGES" / "hands-on" / "training.po"
    text = catalog.read_text(encoding="utf-8")
    first = re.search(r'^msgstr "(.+)"$', text, re.M)
    edit(catalog, first[0], f'msgstr "{first[1]}（改訂）"')
    build = rebuild(project)
    assert executed(build.log) == []
    assert "hands-on/training" in written(build.log, "ja")
    assert len(written(build.log, "ja")) <= 3
    assert "en is up to date" in build.log and "ko is up to date" in build.log
    assert "（改訂）" in html(project, "ja", "hands-on/training")


@pytest.mark.parametrize(
    ("path", "old", "new", "shows"),
    [
        ("_templates/language-switcher.html", 'class="flowdocs-languages"',
         'class="flowdocs-languages edited"', 'flowdocs-languages edited'),
        ("_static/flowdocs.css", "/* Language switcher", "/* edited */\n/* Language switcher",
         None),
        ("conf.py", 'html_title = "flowdocs"', 'html_title = "flowdocs (edited)"',
         "flowdocs (edited)"),
    ],
)  # fmt: skip
def test_a_template_css_or_conf_change_rerenders_every_page_and_executes_nothing(
    project, path, old, new, shows
):
    edit(project / path, old, new)
    build = rebuild(project)
    assert executed(build.log) == []
    for language in LANGUAGES:
        assert len(written(build.log, language)) >= ALL_PAGES, language
        if shows:
            assert shows in html(project, language, "hands-on/kv-cache"), language


def test_an_example_change_executes_only_the_pages_that_run_it(project):
    script = project.parent / "examples" / "kv_cache.py"
    script.write_text(script.read_text() + "\n# edited\n")
    build = rebuild(project)
    assert executed(build.log) == ["hands-on/kv-cache"]
    for language in LANGUAGES:
        assert "hands-on/kv-cache" in written(build.log, language), language
