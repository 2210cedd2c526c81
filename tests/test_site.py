"""The deployable site: every language built by ``python -m flowdocs.site``, executed once."""

import json
import re

from conftest import ROOT, build_site, copy_project, executed
from flowdocs.sphinxext.outputs import memory_text

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
    """The numbers glued into the page's sentences and tables: (in a sentence, in a cell)."""
    return re.findall(
        r'<span class="pasted-text">([^<]*)</span>|<td class="flowdocs-number[^"]*"><p>([^<]*)</p>',
        html,
    )


def glue_roles(markdown: str) -> int:
    return markdown.count("{glue:text}")


def rendered_roles(source: str) -> tuple[int, int]:
    """How few and how many {glue:text} roles the page can render: outside its outcome blocks
    every role renders; of each outcome, only the one case its glued value picks."""
    low = high = glue_roles(
        re.sub(r"^( *)::::\{outcome\}.*?^\1::::$", "", source, flags=re.S | re.M)
    )
    for body in re.findall(r"^( *)::::\{outcome\}[^\n]*\n(.*?)^\1::::$", source, re.S | re.M):
        cases = [glue_roles(case) for case in re.findall(r":::\{case\}.*?\n *:::\n", body[1], re.S)]
        low, high = low + min(cases), high + max(cases)
    return low, high


def test_the_same_measured_numbers_appear_in_every_language(built_site):
    for page in EXECUTED_PAGES:
        source = (ROOT / "docs" / f"{page}.md").read_text(encoding="utf-8")
        english = measured_values(built_site.page("en", page))
        pasted = [text for text, _ in english if text]
        low, high = rendered_roles(source)
        assert low <= len(pasted) <= high, page
        values = [text or cell for text, cell in english]
        assert all(re.fullmatch(r"-?[0-9.]+(e[-+][0-9]+)?", value) for value in values), values
        for language in ("ja", "ko"):
            translated = measured_values(built_site.page(language, page))
            # Sentences may put their numbers in another order; tables keep theirs.
            assert sorted(translated) == sorted(english), (language, page)
            assert [c for _, c in translated if c] == [c for _, c in english if c], language


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


def test_the_environment_page_says_where_and_how_long_every_page_ran(built_site):
    live = json.loads((built_site.build_dir / "outputs" / "live" / "recording.json").read_text())
    no_recording = {"en": "No recording is in the repository.", "ja": "まだ記録がありません",
                    "ko": "아직 기록이 없습니다"}  # fmt: skip
    for language in ("en", "ja", "ko"):
        html = built_site.page(language, "reference/environment")
        rows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr")[1:]
        pages = {re.search(r'<span class="pre">([^<]+)</span>', row)[1]: row for row in rows}
        assert sorted(pages) == sorted(EXECUTED_PAGES), language
        for page, row in pages.items():
            assert f"<p>{live['pages'][page]['seconds']:.1f}</p>" in row, (language, page)
            memory = live["pages"][page]["memory"]  # the kernel process's peak resident memory
            assert memory["kind"].startswith("rss-peak") and memory["bytes"] > 2**20, page
            amount = memory_text(memory).split(" (")[0]  # "312.5 MiB", the same in every language
            assert f"<p>{amount} (" in row, (language, page)
        recordings = html.split("<h2")[-1]  # the last section: no table of headers only
        assert no_recording[language] in recordings and "<table" not in recordings, language
    assert built_site.page("en", "reference/environment").count(
        "executed on the build machine"
    ) == len(EXECUTED_PAGES)


def test_the_kv_cache_plot_is_drawn_for_every_language(built_site):
    for language in ("en", "ja", "ko"):
        html = built_site.page(language, "hands-on/kv-cache")
        assert 'src="../_images/' in html
        assert "identical = True" in html


def test_plots_are_described_in_the_pages_language_and_stay_transparent(built_site):
    for page in ("hands-on/autograd-modes", "hands-on/kv-cache"):
        for language in ("en", "ja", "ko"):
            images = re.findall(r"<img [^>]*>", built_site.page(language, page))
            assert images, (language, page)
            for image in images:
                alt = re.search(r'alt="([^"]*)"', image).group(1)
                assert "_images/" not in alt and len(alt) > 20, (language, page, alt)
                assert language == "en" or re.search(SCRIPTS[language], alt), (language, alt)
                assert 'class="dark-light"' in image, (language, page)


def test_timing_tables_are_tables_with_headers_in_the_pages_language(built_site):
    for page in ("hands-on/autograd-modes", "hands-on/training", "hands-on/kv-cache"):
        for language in ("en", "ja", "ko"):
            html = built_site.page(language, page)
            table = html.split('class="flowdocs-data-table')[1].split("</table>")[0]
            headers = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<th.*?</th>", table, re.S)]
            assert len(headers) >= 4 and re.search(r"<td", table), (language, page)
            if language != "en":
                assert any(re.search(SCRIPTS[language], h) for h in headers), (language, page)


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
    assert sorted(executed(built_site.log)) == sorted(EXECUTED_PAGES)
    assert "Executing notebook" not in built_site.log  # Sphinx found every page's outputs
    for language in ("en", "ja", "ko"):
        found = re.findall(rf"^\[{language}\] .*Using cached notebook", built_site.log, re.M)
        assert len(found) == len(EXECUTED_PAGES), language


def test_a_second_build_executes_and_writes_nothing(built_site):
    again = build_site(ROOT / "docs", built_site.build_dir)
    assert again.returncode == 0, again.log[-3000:]
    assert executed(again.log) == []
    for language in ("en", "ja", "ko"):
        assert f"{language} is up to date" in again.log


def test_an_example_that_raises_fails_the_build_and_says_where(tmp_path, built_site):
    docs = copy_project(tmp_path / "project", outputs_from=built_site) / "docs"
    script = docs.parent / "examples" / "inference_flow.py"
    script.write_text(script.read_text() + '\nraise RuntimeError("boom")\n')
    line = len(script.read_text().splitlines())
    broken = build_site(docs, docs / "_build")
    assert broken.returncode != 0
    report = broken.log.split("\n\n")[0].splitlines()
    assert report[-2:] == [
        f"flowdocs: hands-on/inference.md failed in examples/inference_flow.py, line {line}",
        "  RuntimeError: boom",
    ]
    assert "Traceback" in broken.log  # the whole story follows the short one
    assert "Sphinx" not in broken.log  # a flowdocs error, not a Sphinx crash report
    assert not (docs / "_build" / "site").exists()
