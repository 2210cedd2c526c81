"""The deployable site: every language built by ``python -m flowdocs.site``, executed once."""

import re
import shutil

from conftest import ROOT, build_site

EXECUTED_PAGES = [
    "hands-on/inference",
    "hands-on/training",
    "hands-on/autograd-modes",
    "hands-on/who-does-the-work",
    "hands-on/kv-cache",
]
SCRIPTS = {"ja": r"[\u3040-\u30ff]", "ko": r"[\uac00-\ud7a3]"}
CHECKPOINTS = ["model.training = False", "pred.requires_grad = False", "weight changed = False"]


def prose(html: str) -> str:
    """The page's text outside code and outputs, tags removed."""
    article = re.split(r"<article\b[^>]*>", html)[1].split("</article>")[0]
    article = re.sub(r"<(pre|code)\b.*?</\1>", " ", article, flags=re.S)
    return re.sub(r"<[^>]+>", " ", article)


def test_the_site_holds_the_three_languages_and_a_root_page_only(built_site):
    assert sorted(p.name for p in built_site.site.iterdir()) == ["en", "index.html", "ja", "ko"]
    root = (built_site.site / "index.html").read_text(encoding="utf-8")
    assert '["en", "ja", "ko"]' in root
    assert not list(built_site.site.rglob("jupyter_execute"))
    assert not list(built_site.site.rglob(".doctrees"))


def test_every_language_shows_the_executed_checkpoints(built_site):
    for language in ("en", "ja", "ko"):
        html = built_site.page(language, "hands-on/inference")
        for line in CHECKPOINTS:
            assert line in html, (language, line)
        assert "device = &quot;" in html or 'device = "' in html


def measured_values(html: str) -> list[str]:
    """The numbers glued into the page's sentences, in order."""
    return re.findall(r'<span class="pasted-text">([^<]*)</span>', html)


def test_the_same_measured_numbers_appear_in_every_language(built_site):
    for page in EXECUTED_PAGES:
        source = (ROOT / "docs" / f"{page}.md").read_text(encoding="utf-8")
        english = measured_values(built_site.page("en", page))
        assert len(english) == source.count("{glue:text}"), page
        assert all(re.fullmatch(r"-?[0-9.]+", value) for value in english), english
        for language in ("ja", "ko"):
            assert measured_values(built_site.page(language, page)) == english, (language, page)


def test_flow_diagrams_are_text_in_the_pages_language(built_site):
    for page in ("theory/inference-flow", "theory/training-flow"):
        for language, script in SCRIPTS.items():
            html = built_site.page(language, page)
            diagram = html.split('class="flowdocs-flow')[1].split("</ol>")[0]
            steps = re.findall(r"<li>(.*?)</li>", diagram, flags=re.S)
            assert len(steps) >= 4, (language, page)
            assert all(re.search(script, step) for step in steps), (language, page)
            assert "<img" not in diagram


def test_every_executed_page_says_where_it_ran_in_its_language(built_site):
    for page in EXECUTED_PAGES:
        for language in ("en", "ja", "ko"):
            html = built_site.page(language, page)
            banner = html.split('class="flowdocs-ran-on')[1].split("</div>")[0]
            banner = re.sub(r"<[^>]+>", "", banner)
            assert "device = " in banner, (language, page)
            if language != "en":
                assert re.search(SCRIPTS[language], banner), (language, page)


def test_the_kv_cache_plot_is_drawn_for_every_language(built_site):
    for language in ("en", "ja", "ko"):
        html = built_site.page(language, "hands-on/kv-cache")
        assert 'src="../_images/' in html
        assert "identical = True" in html


def test_the_timing_exercise_has_a_plot_and_a_hidden_solution(built_site):
    for language in ("en", "ja", "ko"):
        html = built_site.page(language, "hands-on/autograd-modes")
        assert '<img alt="_images/' in html or 'src="../_images/' in html
        solution = html.split("<details")[1].split("</details>")[0]
        assert '<span class="nf">time_modes</span>' in solution


def test_japanese_and_korean_pages_are_translated(built_site):
    english = prose(built_site.page("en", "hands-on/inference"))
    assert "Inference means asking a model" in english
    for language, script in SCRIPTS.items():
        text = prose(built_site.page(language, "hands-on/inference"))
        assert "Inference means asking a model" not in text
        assert len(re.findall(script, text)) > 200, language
        assert f'lang="{language}"' in built_site.page(language, "hands-on/inference")


def test_each_example_ran_once_for_all_three_languages(built_site):
    for page in EXECUTED_PAGES:
        assert built_site.log.count(f"{page}.md: Executing notebook") == 1, page
        assert built_site.log.count(f"{page}.md: Using cached notebook") == 2, page


def test_a_second_build_executes_nothing(built_site):
    again = build_site(ROOT / "docs", built_site.build_dir)
    assert again.returncode == 0, again.log[-3000:]
    assert "Executing notebook" not in again.log


def test_an_example_that_raises_fails_the_build_and_says_where(tmp_path):
    for folder in ("docs", "examples", "locale"):
        shutil.copytree(
            ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("_build", "__pycache__")
        )
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")  # KaTeX's stylesheet
    script = tmp_path / "examples" / "inference_flow.py"
    script.write_text(script.read_text() + '\nraise RuntimeError("boom")\n')
    broken = build_site(tmp_path / "docs", tmp_path / "docs" / "_build")
    assert broken.returncode != 0
    assert "inference_flow.py" in broken.log
    assert "RuntimeError: boom" in broken.log
    assert not (tmp_path / "docs" / "_build" / "site").exists()
