"""flowdocs.sphinxext on tiny sample sites (tests/sites/<name>), built with sphinx.testing."""

import pytest


@pytest.mark.sphinx("html", testroot="example-source", freshenv=True)
def test_example_source_emphasizes_the_lines_named_by_their_text(app):
    app.build()
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    emphasized = [chunk.split("</span>\n")[0] for chunk in html.split('<span class="hll">')[1:]]
    assert len(emphasized) == 2
    assert "eval" in emphasized[0]
    assert "pred" in emphasized[1]
    assert "examples/demo.py" in html  # the default caption names the script


@pytest.mark.sphinx("html", testroot="example-source", freshenv=True)
def test_example_source_fails_on_a_fragment_the_script_lacks(app):
    (app.srcdir / "index.rst").write_text(
        "Demo\n====\n\n.. example-source:: demo.py\n\n   optimizer.step()\n", encoding="utf-8"
    )
    app.build()
    assert "demo.py shows no line containing 'optimizer.step()'" in app.warning.getvalue()


@pytest.mark.sphinx("html", testroot="example-source", freshenv=True)
def test_example_source_emphasis_counts_within_a_shown_part(app):
    (app.srcdir / "index.rst").write_text(
        "Demo\n====\n\n.. example-source:: demo.py\n"
        "   :start-at: model.eval()\n\n   pred = model(\n",
        encoding="utf-8",
    )
    app.build()
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    emphasized = html.split('<span class="hll">')[1:]
    assert len(emphasized) == 1 and "pred" in emphasized[0].split("\n")[0]


@pytest.mark.sphinx("html", testroot="traceback-output", freshenv=True)
def test_a_traceback_in_an_output_is_reported_unless_the_cell_allows_it(app):
    app.build()
    warnings = app.warning.getvalue()
    assert "shown.ipynb" in warnings
    assert "an executed cell shows a traceback: ValueError: caught and printed" in warnings
    assert "allowed.ipynb" not in warnings


def test_korean_search_indexes_hangul_as_bigrams_and_keeps_other_words():
    from flowdocs.sphinxext.korean_search import SearchKorean

    korean = SearchKorean({})
    assert korean.split("텐서를 GPU로") == ["텐서", "서를", "GPU", "로"]
    assert korean.split("값") == ["값"]
    assert set(korean.split("텐서")) <= set(korean.split("텐서를"))
    assert korean.stem("GPU") == "gpu"
