"""Math typeset while the site builds (flowdocs.sphinxext.katex_math), on a tiny sample site."""

import re

import pytest


@pytest.mark.sphinx("html", testroot="math", freshenv=True)
def test_formulas_become_katex_html_with_mathml_and_aligned_rows_stay_rows(app):
    app.build()
    assert "WARNING" not in app.warning.getvalue()
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert html.count('<span class="katex">') == 3 and "katex-error" not in html
    assert html.count('<span class="katex-display">') == 2
    aligned = re.search(r'<math [^>]*display="block">.*?<annotation', html, re.S).group()
    assert aligned.count("<mtr>") == 2 and "&amp;" not in aligned  # two rows, no literal &
    assert "<msub><mi>w</mi>" in aligned
    assert '<div class="math notranslate" id="equation-attention">' in html
    assert '<span class="eqno">(1)<a class="headerlink" href="#equation-attention"' in html


@pytest.mark.sphinx("html", testroot="math", freshenv=True)
def test_pages_with_math_link_katex_stylesheet_and_the_site_serves_its_fonts(app):
    app.build()
    with_math = (app.outdir / "index.html").read_text(encoding="utf-8")
    without = (app.outdir / "plain.html").read_text(encoding="utf-8")
    assert re.search(r'<link [^>]*href="_static/katex/katex\.min\.css', with_math)
    assert "katex" not in without
    assert not re.search(r'<(link|script)\b[^>]*\b(href|src)="(https?:)?//', with_math)
    served = app.outdir / "_static" / "katex"
    fonts = re.findall(r"url\((fonts/[^)]+\.woff2)\)", (served / "katex.min.css").read_text())
    assert len(fonts) == 20 and all((served / font).is_file() for font in fonts)
    assert "MIT License" in (served / "LICENSE").read_text()


@pytest.mark.sphinx("html", testroot="math", freshenv=True)
def test_a_formula_katex_cannot_read_is_a_warning_at_its_line(app):
    (app.srcdir / "plain.md").write_text("# Plain\n\nBroken: $\\frac{1$.\n", encoding="utf-8")
    app.build()
    warning = app.warning.getvalue()
    assert re.search(r"plain\.md:3: WARNING: KaTeX parse error: .* input: \\frac\{1", warning)
    assert "\\frac{1" in (app.outdir / "plain.html").read_text(encoding="utf-8")
