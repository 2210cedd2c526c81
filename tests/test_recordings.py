"""Recordings: record on one machine, publish anywhere, never pass a stale output off as current.

A copy of the project, a git repository of its own, records itself on this machine's CPU as if
in the project's GitHub workflow (tests make their recordings on the fly; the repository's own
recordings come only from the machines they name).
"""

import html as html_module
import json
import re
import shutil
import subprocess

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, build_site, copy_project, executed, serve
from flowdocs.build.store import sha256

LANGUAGES = ("en", "ja", "ko")
PAGES = ["hands-on/autograd-modes", "hands-on/inference", "hands-on/kv-cache",
         "hands-on/training", "hands-on/who-does-the-work"]  # fmt: skip
SCRIPT = {"ja": r"[\u3040-\u30ff]", "ko": r"[\uac00-\ud7a3]"}
REPOSITORY = "https://github.com/example/flowdocs"  # the copy configures it: see project()
RUN_URL = f"{REPOSITORY}/actions/runs/4242"
WORKFLOW = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "example/flowdocs",
    "GITHUB_RUN_ID": "4242",
}
ORIGIN = {
    "workflow": {"en": "recorded by this project's workflow (run ", "ja": "ワークフロー",
                 "ko": "워크플로"},
    "contributed": {"en": "contributed", "ja": "寄せられた", "ko": "기여받은"},
}  # fmt: skip
HTML_OUTPUT = {
    "output_type": "display_data",
    "data": {"text/html": "<div id='xss'></div><script>document.title='PWNED'</script>"},
    "metadata": {},
}


def git(folder, *args: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory, built_site):
    docs = copy_project(tmp_path_factory.mktemp("recordings") / "project", built_site) / "docs"
    with (docs / "conf.py").open("a", encoding="utf-8") as conf:  # as [project.urls] would
        conf.write(f"\nflowdocs_repository = {REPOSITORY!r}\n")
    git(docs.parent, "init", "-q")
    git(docs.parent, "add", "-A")
    git(docs.parent, "commit", "-q", "-m", "the project")
    recorded = build_site(docs, docs / "_build", "--id", "cpu-test", module="record", env=WORKFLOW)
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
    assert manifest["commit"] == git(project.parent, "rev-parse", "--short=12", "HEAD").strip()
    assert manifest["provenance"] == {
        "by": "workflow", "server": "https://github.com", "repository": "example/flowdocs",
        "run_id": "4242", "run_url": RUN_URL,
    }  # fmt: skip
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
            assert ORIGIN["workflow"][language] in text, (language, page)  # who made it
            assert f'href="{RUN_URL}"' in html(project, language, page), (language, page)
        environment = html(project, language, "reference/environment").split("<h2")[-1]
        assert "<code" in environment and "cpu-test" in environment, language
        assert f'href="{RUN_URL}">4242</a>' in environment, language
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
        assert fresh.count("cpu-test") == 1, language  # who made it, not that it is stale
        assert ORIGIN["workflow"][language] in fresh, language
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


def inject(project, name: str, output: dict, provenance: dict | None = None) -> None:
    """A copy of cpu-test named ``name`` with ``output`` added to inference's first cell and
    its hash recomputed, as anyone can; without ``provenance``, it says nothing of who made it."""
    folder = project / "recordings" / name
    shutil.copytree(project / "recordings" / "cpu-test", folder)
    notebook_path = folder / "hands-on" / "inference.ipynb"
    notebook = json.loads(notebook_path.read_text())
    notebook["cells"][0]["outputs"].append(output)
    notebook_path.write_text(json.dumps(notebook, indent=1))
    manifest = json.loads((folder / "recording.json").read_text())
    manifest["id"] = name
    manifest["pages"]["hands-on/inference"]["outputs"] = sha256(notebook_path)
    manifest.pop("provenance")
    if provenance:
        manifest["provenance"] = provenance
    (folder / "recording.json").write_text(json.dumps(manifest, indent=1))


def check_recordings(project):
    command = ["python", "-m", "flowdocs.build.check_recordings", "--docs", str(project)]
    command += ["--build-dir", str(project / "_build")]
    return subprocess.run(command, capture_output=True, text=True)


def test_check_recordings_summarises_a_fresh_recording_and_refuses_an_injected_one(project):
    done = check_recordings(project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert executed(done.stdout) == []  # this build's run of the same code, reused
    summary = done.stdout
    assert "recording cpu-test: CPU" in summary
    assert f"made by: the workflow of example/flowdocs, run {RUN_URL}" in summary
    for page in PAGES:  # kv-cache's example may have changed since (see the test above)
        assert re.search(rf"page {page} \((current|out of date)\): \d+ printed lines", summary)
    assert "page hands-on/inference (current): " in summary
    assert summary.strip().splitlines()[-1] == "flowdocs: 1 recordings checked: no problems"
    inject(project, "injected", HTML_OUTPUT)
    try:
        done = check_recordings(project)
        build = build_site(project, project / "_build", "--outputs", "cpu-test")
    finally:
        shutil.rmtree(project / "recordings" / "injected")
    notebook = project / "recordings" / "injected" / "hands-on" / "inference.ipynb"
    problem = f"flowdocs: {notebook}: cell 1: output type text/html is not one the lessons print"
    assert done.returncode != 0
    assert problem in done.stdout.splitlines()
    assert done.stdout.strip().splitlines()[-1] == "flowdocs: 2 recordings checked: 1 problems"
    assert build.returncode != 0 and build.log.strip().splitlines() == [problem]


def test_each_recording_says_who_made_it_and_prints_only_text(project):
    """Beside the workflow's recording, a contributed one whose printout holds HTML and ANSI."""
    printout = "<script>document.title='PWNED'</script>\x1b[31mred\x1b[0m\n"
    stream = {"output_type": "stream", "name": "stdout", "text": printout}
    inject(project, "cpu-contributed", stream)
    try:
        build = build_site(project, project / "_build")
    finally:
        shutil.rmtree(project / "recordings" / "cpu-contributed")
    assert build.returncode == 0, build.log[-3000:]
    for language in LANGUAGES:
        page_html = html(project, language, "hands-on/inference")
        assert "<script>document.title" not in page_html, language
        assert "&lt;script&gt;document.title='PWNED'&lt;/script&gt;" in page_html, language
        assert '<span class=" -Color -Color-Red">red</span>' in page_html  # ANSI: a class
        origins = re.findall(r'<div class="flowdocs-origin[^"]*">\s*<p>(.*?)</p>', page_html)
        assert origins, language
        workflow = [o for o in origins if "cpu-test" in o]
        contributed = [o for o in origins if "cpu-contributed" in o]
        assert workflow and contributed, language
        assert all(ORIGIN["workflow"][language] in o and RUN_URL in o for o in workflow)
        assert all(ORIGIN["contributed"][language] in o and "href" not in o for o in contributed)
        environment = html(project, language, "reference/environment").split("<h2")[-1]
        assert ORIGIN["contributed"][language] in environment, language
        assert f'href="{RUN_URL}"' in environment, language


def files(folder) -> dict:
    return {path: path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def record_page(project, *options: str, env: dict | None = None):
    return build_site(project, project / "_build", *options, module="record", env=env)


def test_every_page_of_a_recording_says_how_much_memory_it_took(project):
    manifest = json.loads((project / "recordings" / "cpu-test" / "recording.json").read_text())
    for page, entry in manifest["pages"].items():
        assert entry["memory"]["kind"] == "rss-peak", page  # Linux: reset before each page
        assert entry["memory"]["bytes"] > 2**20, page


@pytest.mark.parametrize(
    ("options", "env", "line"),
    [
        (["--page", "hands-on/nope"], WORKFLOW,
         "flowdocs: --page hands-on/nope: no executed page of that name (executed pages: "
         f"{', '.join(PAGES)})"),
        (["--page", "hands-on/kv-cache"], {},
         "flowdocs: recording cpu-test was not made by this run's maker (a contributor); "
         "a recording has one maker: record every page under a new --id"),
        (["--page", "hands-on/kv-cache", "--id", "cpu-none"], WORKFLOW,
         "flowdocs: no recording 'cpu-none' to update; record every page first: "
         "nox -s record -- --id cpu-none"),
    ],
)  # fmt: skip
def test_a_one_page_record_refuses_what_would_make_the_recording_untrue(
    project, options, env, line
):
    before = files(project / "recordings")
    options = options if "--id" in options else [*options, "--id", "cpu-test"]
    done = record_page(project, *options, env={"GITHUB_ACTIONS": "", **env})
    assert done.returncode != 0 and done.log.strip().splitlines() == [line]
    assert files(project / "recordings") == before


def test_a_one_page_record_on_another_device_is_refused(project):
    other = project / "recordings" / "cpu-other"
    shutil.copytree(project / "recordings" / "cpu-test", other)
    manifest = json.loads((other / "recording.json").read_text())
    manifest["id"], manifest["device"]["torch"] = "cpu-other", "2.9.0"
    (other / "recording.json").write_text(json.dumps(manifest, indent=1))
    before = files(other)
    try:
        # kv-cache: the one page an earlier test may have made stale, so the others are current
        done = record_page(project, "--id", "cpu-other", "--page", "hands-on/kv-cache",
                           env=WORKFLOW)  # fmt: skip
        after = files(other)
    finally:
        shutil.rmtree(other)
    assert done.returncode != 0
    last = done.log.strip().splitlines()[-1]
    assert last.startswith("flowdocs: recording cpu-other was made on CPU x86_64 · torch 2.9.0")
    assert ", this machine runs CPU x86_64" in last
    assert after == before


def test_a_one_page_record_updates_that_page_and_the_recording_builds_strictly(project):
    """kv-cache's script changes; the page is recorded again alone; a failing run changes
    nothing; the recording is then current for every page."""
    folder = project / "recordings" / "cpu-test"
    script = project.parent / "examples" / "kv_cache.py"
    fixed = script.read_text() + "\n# fixed by a GPU owner\n"
    script.write_text("raise RuntimeError('interrupted')\n" + fixed)
    before = files(folder)
    failed = record_page(project, "--id", "cpu-test", "--page", "hands-on/kv-cache", env=WORKFLOW)
    assert failed.returncode != 0 and "RuntimeError: interrupted" in failed.log
    assert files(folder) == before  # byte for byte
    script.write_text(fixed)
    done = record_page(project, "--id", "cpu-test", "--page", "hands-on/kv-cache", env=WORKFLOW)
    assert done.returncode == 0, done.log[-3000:]
    assert executed(done.log) == ["hands-on/kv-cache"]
    old = json.loads(before[folder / "recording.json"])
    new = json.loads((folder / "recording.json").read_text())
    assert new["provenance"] == old["provenance"] and new["device"] == old["device"]
    for page in PAGES:
        notebook = folder / f"{page}.ipynb"
        if page == "hands-on/kv-cache":
            assert new["pages"][page]["executed"] >= old["pages"][page]["executed"]
            assert new["pages"][page]["inputs"] != old["pages"][page]["inputs"]
        else:
            assert new["pages"][page] == old["pages"][page], page
            assert notebook.read_bytes() == before[notebook], page
    build = build_site(project, project / "_build", "--outputs", "cpu-test", "--strict")
    assert build.returncode == 0, build.log[-3000:]
    assert executed(build.log) == []


def test_a_schema_1_recording_shows_its_memory_as_not_recorded_in_every_language(project):
    """A recording made before flowdocs measured memory: cpu-test without the field."""
    folder = project / "recordings" / "cpu-schema1"
    shutil.copytree(project / "recordings" / "cpu-test", folder)
    manifest = json.loads((folder / "recording.json").read_text())
    manifest["id"] = "cpu-schema1"
    for entry in manifest["pages"].values():
        del entry["memory"]
    (folder / "recording.json").write_text(json.dumps(manifest, indent=1))
    try:
        build = build_site(project, project / "_build", "--outputs", "cpu-schema1")
    finally:
        shutil.rmtree(folder)
    assert build.returncode == 0, build.log[-3000:]
    words = {"en": "not recorded", "ja": "記録なし", "ko": "기록되지 않음"}
    for language in LANGUAGES:
        table = html(project, language, "reference/environment").split("<table")[1]
        rows = table.split("<tr")[2:]
        inference = next(row for row in rows if "hands-on/inference" in row)
        assert words[language] in inference, language
