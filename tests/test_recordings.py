"""Recordings: record on one machine, publish anywhere, never pass a stale output off as current.

A copy of the project records itself on this machine's CPU (tests make their recordings on the
fly; the repository's own recordings come only from the machines they name).
"""

import html as html_module
import json
import re
import shutil

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, build_site, copy_project, executed, serve

LANGUAGES = ("en", "ja", "ko")
PAGES = ["hands-on/autograd-modes", "hands-on/inference", "hands-on/kv-cache",
         "hands-on/training", "hands-on/who-does-the-work"]  # fmt: skip
SCRIPT = {"ja": r"[\u3040-\u30ff]", "ko": r"[\uac00-\ud7a3]"}


@pytest.fixture(scope="module")
def project(tmp_path_factory, built_site):
    docs = copy_project(tmp_path_factory.mktemp("recordings") / "project", built_site) / "docs"
    recorded = build_site(docs, docs / "_build", "--id", "cpu-test", module="record")
    assert recorded.returncode == 0, recorded.log[-3000:]
    assert sorted(executed(recorded.log)) == PAGES  # a recording runs every page afresh
    return docs


def html(docs, language: str, page: str) -> str:
    return (docs / "_build" / "site" / language / f"{page}.html").read_text(encoding="utf-8")


def note(page_html: str) -> str:
    """The where-it-ran note's text."""
    text = page_html.split('class="flowdocs-ran-on')[1].split("</div>")[0]
    return html_module.unescape(re.sub(r"<[^>]+>", "", text))


def glued(docs, page: str, key: str):
    notebook = json.loads((docs / "recordings" / "cpu-test" / f"{page}.ipynb").read_text())
    for cell in notebook["cells"]:
        for output in cell["outputs"]:
            if output.get("metadata", {}).get("scrapbook", {}).get("name") == key:
                return eval(output["data"]["application/papermill.record/text/plain"])
    raise KeyError(key)


def test_a_recording_holds_readable_notebooks_and_its_provenance(project):
    folder = project / "recordings" / "cpu-test"
    manifest = json.loads((folder / "recording.json").read_text())
    assert manifest["id"] == "cpu-test" and manifest["device"]["backend"] == "cpu"
    assert sorted(manifest["pages"]) == PAGES
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", manifest["recorded"])
    size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    assert size < 2 * 1024 * 1024
    text = "".join(path.read_text() for path in folder.rglob("*") if path.is_file())
    assert not re.search(r"/(home|root|tmp|Users)/", text)  # no machine paths, hosts or users


def test_a_build_from_a_recording_executes_nothing_and_says_so_in_every_language(project):
    build = build_site(project, project / "_build", "--outputs", "cpu-test")
    assert build.returncode == 0, build.log[-3000:]
    assert executed(build.log) == [] and "Executing notebook" not in build.log
    recorded = glued(project, "hands-on/kv-cache", "per_token")
    cells = [f"{row[key]:.3f}" for row in recorded for key in ("with_ms", "without_ms")]
    for language in LANGUAGES:
        table = html(project, language, "hands-on/kv-cache").split("<table")[1]
        assert all(f">{cell}<" in table for cell in cells), language  # the recorded run
        for page in PAGES:
            text = note(html(project, language, page))
            assert 'device = "cpu"' in text, (language, page)
            assert re.search(r"\d{4}-\d\d-\d\d", text), (language, page)  # when it was recorded
            if language == "en":
                assert "come from a recording" in text
            else:
                assert re.search(SCRIPT[language], text), (language, page)
        environment = html(project, language, "reference/environment").split("<h2")[-1]
        assert "<code" in environment and "cpu-test" in environment, language
        assert f"{len(PAGES)} / {len(PAGES)}" in environment, language  # current for every page


def test_an_unknown_recording_fails_with_one_line(project):
    build = build_site(project, project / "_build", "--outputs", "nope")
    assert build.returncode != 0
    assert build.log.strip().splitlines()[-1] == (
        "flowdocs: no recording 'nope' (recordings here: cpu-test)"
    )


@pytest.mark.parametrize(
    ("file", "old", "new", "problem"),
    [
        ("hands-on/inference.ipynb", "model.training = False", "model.training = True",
         "does not match its hash in recording.json"),
        ("recording.json", '"schema": 1', '"schema": 2', "schema is not 1"),
    ],
)  # fmt: skip
def test_a_hand_edited_recording_fails_with_one_line_and_keeps_the_site(
    project, file, old, new, problem
):
    edited = project / "recordings" / "edited"
    shutil.copytree(project / "recordings" / "cpu-test", edited)
    manifest = edited / "recording.json"
    manifest.write_text(manifest.read_text().replace('"id": "cpu-test"', '"id": "edited"'))
    path = edited / file
    path.write_text(path.read_text().replace(old, new, 1))
    site_before = (project / "_build" / "site" / "en" / "index.html").stat().st_mtime_ns
    try:
        build = build_site(project, project / "_build", "--outputs", "cpu-test")
    finally:
        shutil.rmtree(edited)
    assert build.returncode != 0
    lines = build.log.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"flowdocs: {path}: {problem}"), lines
    assert (project / "_build" / "site" / "en" / "index.html").stat().st_mtime_ns == site_before


def test_two_sources_give_synchronised_tabs_on_every_executed_output(project):
    build = build_site(project, project / "_build")  # this build's own run, and the recording
    assert build.returncode == 0, build.log[-3000:]
    for language in LANGUAGES:
        for page in PAGES:
            page_html = html(project, language, page)
            outputs = page_html.split('class="cell_output')[1:]
            assert outputs, (language, page)
            for output in outputs:
                tabs = re.findall(r'data-sync-group="flowdocs-source" data-sync-id="([^"]+)"',
                                  output.split('class="cell ')[0])  # fmt: skip
                assert tabs == ["live", "cpu-test"], (language, page)


def test_a_changed_example_makes_exactly_its_pages_stale(project):
    script = project.parent / "examples" / "kv_cache.py"
    script.write_text(script.read_text() + "\n# changed after the recording\n")
    build = build_site(project, project / "_build", "--outputs", "cpu-test")
    assert build.returncode == 0, build.log[-3000:]
    assert executed(build.log) == ["hands-on/kv-cache"]
    assert "recording cpu-test is out of date for hands-on/kv-cache" in build.log
    assert "nox -s record -- --id cpu-test" in build.log
    for language in LANGUAGES:
        stale = note(html(project, language, "hands-on/kv-cache"))
        assert "cpu-test" in stale, language
        fresh = note(html(project, language, "hands-on/inference"))
        assert "cpu-test" not in fresh, language
        if language == "en":
            assert "out of date" in stale and "computed while this site was built" in stale
            assert "come from a recording" in fresh
        else:
            assert re.search(SCRIPT[language], stale), language
    site_before = (project / "_build" / "site" / "en" / "index.html").stat().st_mtime_ns
    strict = build_site(project, project / "_build", "--outputs", "cpu-test", "--strict")
    assert strict.returncode != 0
    assert strict.log.strip().splitlines()[-1] == (
        "flowdocs: recording cpu-test is out of date for hands-on/kv-cache (--strict)"
    )
    assert (project / "_build" / "site" / "en" / "index.html").stat().st_mtime_ns == site_before


def test_choosing_a_machine_once_switches_every_output_on_the_page(project):
    """In Chromium: one click on a tab of the recording shows the recording on every output."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed")
    build = build_site(project, project / "_build")  # this build's own run, and the recording
    assert build.returncode == 0, build.log[-3000:]
    chosen = """() => [...document.querySelectorAll('.flowdocs-sources')].map(set =>
        set.querySelector('input:checked + label').dataset.syncId)"""
    with serve(project / "_build" / "site") as url, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for language in LANGUAGES:
            page = browser.new_page()
            page.goto(f"{url}/{language}/hands-on/autograd-modes.html")
            assert page.evaluate(chosen)  # the printout (plots are glued into the prose)
            assert set(page.evaluate(chosen)) == {"live"}  # this build's run comes first
            page.locator('.flowdocs-sources label[data-sync-id="cpu-test"]').first.click()
            assert set(page.evaluate(chosen)) == {"cpu-test"}, language
            page.close()
        browser.close()
