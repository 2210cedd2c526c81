"""flowdocs.sphinxext.glued_figure: a glued plot's translated caption is also its alt text."""

import json
import re
import shutil

import pytest


def images(app) -> list[str]:
    return re.findall(r"<img [^>]*>", (app.outdir / "index.html").read_text(encoding="utf-8"))


@pytest.mark.sphinx("html", testroot="glued-figure", freshenv=True)
def test_a_glued_figure_is_described_by_its_caption(app):
    app.build()
    first, second = images(app)
    assert 'alt="The median time of one step, in milliseconds."' in first
    assert 'class="dark-light"' in first
    assert 'alt="Written by hand"' in second  # an explicit alt text is left alone
    assert app.warning.getvalue() == ""


@pytest.mark.sphinx(
    "html", testroot="glued-figure", freshenv=True, confoverrides={"language": "ja"}
)
def test_the_alt_text_is_the_translated_caption(app):
    app.build()
    assert 'alt="1 ステップの時間の中央値 (ミリ秒)。"' in images(app)[0]


def test_a_page_not_executed_still_gives_its_captions_to_the_catalog(make_app, rootdir, tmp_path):
    srcdir = tmp_path / "site"
    shutil.copytree(rootdir / "test-glued-figure", srcdir)
    path = srcdir / "index.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook["cells"][1]["outputs"] = []  # as when messages are extracted: nothing ran
    path.write_text(json.dumps(notebook), encoding="utf-8")
    app = make_app("gettext", srcdir=srcdir)
    app.build()
    pot = (app.outdir / "index.pot").read_text(encoding="utf-8")
    assert 'msgid "The median time of one step, in milliseconds."' in pot
    assert "glue" not in app.warning.getvalue()
