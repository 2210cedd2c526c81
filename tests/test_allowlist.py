"""A store holds only what the lessons print, within bounds, and says who made it.

Each recording here is a small valid store made by hand, then given one thing a stranger could
send, with its hash recomputed: a valid hash proves only that nothing changed since, so loading
must refuse it by its content, with one line naming the file, the cell and what is wrong.
"""

import base64
import json
import os
import struct
import zlib
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, notebook_page
from flowdocs.build.check_recordings import check, commit_problem, printable
from flowdocs.build.execute import execute
from flowdocs.build.outputs import check_cells
from flowdocs.build.pages import executed_pages
from flowdocs.build.store import Store, StoreError, load, sha256, workflow_run
from flowdocs.sphinxext.outputs import workflow_run as linked_run

PAGE = "hands-on/inference"
REPOSITORY = "https://github.com/flowdocs/flowdocs"
RUN = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "flowdocs/flowdocs",
    "GITHUB_RUN_ID": "4242",
}


def png(width: int, height: int) -> str:
    """A real PNG of one grey row repeated (small on disk however large it claims to be)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\0" + b"\x80" * width for _ in range(min(height, 4))))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
    return base64.b64encode(data + chunk(b"IEND", b"")).decode()


def glued(name: str, data: dict) -> dict:
    prefix = "application/papermill.record/"
    return {
        "output_type": "display_data",
        "data": {prefix + mime: value for mime, value in data.items()},
        "metadata": {"scrapbook": {"name": name, "mime_prefix": prefix}},
    }


def lesson_outputs() -> list[dict]:
    """What the lessons print: streams, glued numbers and a glued plot."""
    return [
        {"output_type": "stream", "name": "stdout", "text": ['device = "cpu"\n', "ok\n"]},
        {"output_type": "stream", "name": "stderr", "text": "\x1b[31mwarned\x1b[0m\n"},
        glued("ratio", {"text/plain": "0.5"}),
        glued("plot", {"text/plain": "<Figure>", "image/png": png(640, 480)}),
    ]


def write_store(folder: Path, notebook: dict, **manifest) -> Path:
    """A store of one page, its hash computed from what was written (as a forger would)."""
    path = folder / f"{PAGE}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook))
    page = {"inputs": "0" * 64, "outputs": sha256(path), "seconds": 1.0,
            "executed": "2026-12-03T21:41:21Z"}  # fmt: skip
    device, when = {"backend": "cpu", "name": "x86_64"}, "2026-12-03T21:41:21Z"
    fields = {"schema": 1, "id": folder.name, "device": device, "recorded": when,
              "commit": None, "pages": {PAGE: page}}  # fmt: skip
    (folder / "recording.json").write_text(json.dumps({**fields, **manifest}))
    return path


def notebook(outputs: list, **changes) -> dict:
    cell = {"cell_type": "code", "execution_count": 1, "metadata": {"tags": []},
            "outputs": outputs, "source": "print(1)"}  # fmt: skip
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return {"cells": [cell], "metadata": {"kernelspec": kernelspec}, "nbformat": 4,
            "nbformat_minor": 4, **changes}  # fmt: skip


def refused(folder: Path) -> str:
    with pytest.raises(StoreError) as caught:
        load(folder)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_what_the_lessons_print_loads(tmp_path):
    write_store(tmp_path / "cpu-test", notebook(lesson_outputs()))
    store = load(tmp_path / "cpu-test")
    assert store.provenance is None  # made before recordings said who made them: contributed
    assert [output.output_type for output in store.cells(PAGE)[0].outputs][:2] == ["stream"] * 2


def test_a_store_of_pages_without_torch_names_no_device(tmp_path):
    write_store(tmp_path / "live", notebook(lesson_outputs()), device={})
    assert load(tmp_path / "live").device == {}  # this build's own store, kept between builds


def display(mime: str, value: object = "x") -> dict:
    return {"output_type": "display_data", "data": {mime: value}, "metadata": {}}


SCRIPT = "<script>document.title='PWNED'</script><img src=x onerror=alert(1)>"


@pytest.mark.parametrize(
    ("output", "problem"),
    [
        (display("text/html", SCRIPT),
         "cell 1: output type text/html is not one the lessons print"),
        (display("text/markdown", "```{raw} html\n<script>x</script>\n```"),
         "cell 1: output type text/markdown is not one the lessons print"),
        (display("application/javascript", "alert(1)"),
         "cell 1: output type application/javascript is not one the lessons print"),
        (display("image/svg+xml", "<svg onload='alert(1)'/>"),
         "cell 1: output type image/svg+xml is not one the lessons print"),
        (display("application/vnd.jupyter.widget-view+json", {"model_id": "1"}),
         "cell 1: output type application/vnd.jupyter.widget-view+json is not one the lessons "
         "print"),
        ({**display("text/plain"), "output_type": "execute_result", "execution_count": 1,
          "data": {"text/plain": "1", "text/html": SCRIPT}},
         "cell 1: output type text/html is not one the lessons print"),
        (glued("value", {"text/html": SCRIPT}),
         "cell 1: output type application/papermill.record/text/html is not one the lessons "
         "print"),
        ({**display("text/plain"), "output_type": "execute_result",
          "execution_count": "<script>"},
         "cell 1: its execution count is not a number"),
        ({"output_type": "update_display_data", "data": {}, "metadata": {}},
         "cell 1: output type 'update_display_data' is not one the lessons print"),
        ({"output_type": "stream", "name": "stdin", "text": "x"},
         "cell 1: stream 'stdin' is not stdout or stderr"),
        ({"output_type": "stream", "name": "stdout", "text": {"html": SCRIPT}},
         "cell 1: stream is not text"),
        ({**display("text/plain"), "transient": {"display_id": "x"}},
         "cell 1: display_data output has transient"),
        ({**display("image/png", png(640, 480)), "metadata": {"text/html": SCRIPT}},
         "cell 1: output metadata 'text/html' is not one the lessons make"),
        (display("image/png", base64.b64encode(b"<svg onload=alert(1)>").decode()),
         "cell 1: image/png is not a PNG image"),
        (display("image/png", "not base64!"), "cell 1: image/png is not base64"),
        (display("image/png", png(20000, 20000)),
         "cell 1: image/png is 20000 × 20000 pixels; at most 16777216 pixels"),
    ],
)  # fmt: skip
def test_an_output_the_lessons_do_not_print_fails_the_load_with_one_line(tmp_path, output, problem):
    path = write_store(tmp_path / "injected", notebook([*lesson_outputs(), output]))
    assert refused(tmp_path / "injected") == f"flowdocs: {path}: {problem}"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"metadata": {"kernelspec": {}, "widgets": {"state": {}}}},
         "notebook widgets is not what a recording holds"),
        ({"cells": [{"cell_type": "markdown", "metadata": {}, "source": "![x](attachment:x.svg)",
                     "attachments": {"x.svg": {"image/svg+xml": "<svg onload=alert(1)/>"}}}]},
         "cell 1 is not a code cell: a recording holds code cells only"),
        ({"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],
                     "source": "", "attachments": {}}]},
         "cell 1 has attachments"),
        ({"cells": [{"cell_type": "code", "execution_count": 1, "outputs": [], "source": "",
                     "metadata": {"widgets": {}}}]},
         "cell 1: cell metadata widgets is not a page's"),
        ({"metadata": [[1]]}, "its metadata is not a mapping"),
        ({"cells": [{"cell_type": "code", "execution_count": 1, "outputs": [], "source": "",
                     "metadata": [[1]]}]},
         "cell 1: its metadata is not a mapping"),
    ],
)  # fmt: skip
def test_widget_state_attachments_and_markdown_cells_fail_the_load(tmp_path, changes, problem):
    path = write_store(tmp_path / "injected", notebook(lesson_outputs(), **changes))
    assert refused(tmp_path / "injected") == f"flowdocs: {path}: {problem}"


def test_a_recording_over_its_budget_is_refused_before_it_is_read(tmp_path):
    folder = tmp_path / "big"
    path = write_store(folder, notebook([{"output_type": "stream", "name": "stdout",
                                          "text": "x" * (3 * 1024 * 1024)}]))  # fmt: skip
    assert path.stat().st_size > 2 * 1024 * 1024
    assert refused(folder) == (
        f"flowdocs: {folder}: takes more than 2 MB or 256 files; a recording takes less"
    )


def test_deeply_nested_json_is_refused_with_one_line(tmp_path):
    folder = tmp_path / "deep"
    write_store(folder, notebook(lesson_outputs()))
    manifest = folder / "recording.json"
    manifest.write_text("[" * 500_000 + "]" * 500_000)
    assert refused(folder) == f"flowdocs: {manifest}: is nested too deeply to be a recording"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"id": "x\n```{raw} html"}, "id 'x\\n```{raw} html' is not its folder's name"),
        ({"pages": {"../../etc/passwd": {}}}, "page '../../etc/passwd' is not a page's name"),
        ({"commit": "--output=/tmp/x"}, "'commit' is not a git commit"),
        ({"device": {"backend": "cuda", "name": {"html": SCRIPT}}},
         "'device' needs a backend and a name, all text"),
        ({"device": {"backend": "cuda"}}, "'device' needs a backend and a name, all text"),
        ({"provenance": {"by": "workflow", "server": "https://github.com",
                         "repository": "flowdocs/flowdocs", "run_id": "1",
                         "run_url": "javascript:alert(1)"}},
         "'provenance' names no well-formed GitHub Actions run"),
        ({"provenance": {"by": "workflow", "server": "http://evil.example",
                         "repository": "flowdocs/flowdocs", "run_id": "1",
                         "run_url": "http://evil.example/flowdocs/flowdocs/actions/runs/1"}},
         "'provenance' names no well-formed GitHub Actions run"),
        ({"provenance": {"by": "the maintainers"}},
         "'provenance' is neither a workflow run nor a contributor"),
    ],
)  # fmt: skip
def test_a_manifest_names_only_plain_names(tmp_path, change, problem):
    write_store(tmp_path / "bad", notebook(lesson_outputs()), **change)
    assert (
        refused(tmp_path / "bad") == f"flowdocs: {tmp_path / 'bad' / 'recording.json'}: {problem}"
    )


def test_files_a_manifest_does_not_list_and_links_are_refused(tmp_path):
    folder = tmp_path / "extra"
    write_store(folder, notebook(lesson_outputs()))
    (folder / "notes.html").write_text(SCRIPT)
    assert refused(folder).startswith(f"flowdocs: {folder / 'notes.html'}: not listed in")
    (folder / "notes.html").unlink()
    (folder / "hands-on" / "link.ipynb").symlink_to("/dev/zero")
    assert refused(folder) == f"flowdocs: {folder / 'hands-on' / 'link.ipynb'}: not a plain file"
    (tmp_path / "linked").symlink_to(folder)
    assert refused(tmp_path / "linked") == f"flowdocs: {tmp_path / 'linked'}: not a plain file"


def test_a_recording_says_which_run_made_it_and_only_this_projects_run_is_linked(tmp_path):
    made = workflow_run(RUN)
    assert made["run_url"] == "https://github.com/flowdocs/flowdocs/actions/runs/4242"
    assert workflow_run({**RUN, "GITHUB_ACTIONS": ""}) == {"by": "contributor"}
    write_store(tmp_path / "cpu-test", notebook(lesson_outputs()), provenance=made)
    assert load(tmp_path / "cpu-test").provenance == made
    assert linked_run({"provenance": made}, REPOSITORY) == made["run_url"]
    fork = workflow_run({**RUN, "GITHUB_REPOSITORY": "someone/flowdocs"})
    assert linked_run({"provenance": fork}, REPOSITORY) is None  # shown as contributed
    assert linked_run({"provenance": {"by": "contributor"}}, REPOSITORY) is None
    assert linked_run({"provenance": None}, REPOSITORY) is None


def test_a_recording_with_other_cells_than_its_page_fails_with_one_line(tmp_path):
    docs = tmp_path / "docs"
    (docs / "hands-on").mkdir(parents=True)
    (docs / f"{PAGE}.md").write_text(notebook_page("A page", "print(1)"))
    (page,) = executed_pages(docs, tmp_path / "examples")
    forged = notebook(lesson_outputs())
    forged["cells"] *= 2
    path = write_store(tmp_path / "cpu-test", forged)
    with pytest.raises(SystemExit) as caught:
        check_cells(load(tmp_path / "cpu-test"), page)
    assert str(caught.value) == f"flowdocs: {path}: 2 code cells, but {PAGE}.md has 1"


def test_a_lesson_that_prints_html_fails_when_this_build_stores_its_outputs(tmp_path):
    docs, examples = tmp_path / "docs", tmp_path / "examples"
    docs.mkdir()
    examples.mkdir()
    code = "from IPython.display import HTML, display\nprint('ok')\ndisplay(HTML('<b>bold</b>'))"
    (docs / "page.md").write_text(notebook_page("A page", code))
    store = Store(tmp_path / "live", "live", {}, "2026-12-03T21:41:21Z")
    with pytest.raises(StoreError) as caught:
        execute(executed_pages(docs, examples), examples, store.put)
    assert str(caught.value) == (
        "flowdocs: page.md: cell 1: output type text/html is not one the lessons print"
    )
    assert not (tmp_path / "live" / "page.ipynb").exists()  # nothing half-written


def test_check_recordings_passes_on_no_recording_with_a_clear_line(tmp_path, capsys):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "conf.py").write_text("")
    assert check(tmp_path / "docs", tmp_path / "docs" / "_build") == 0
    assert "no recording in" in capsys.readouterr().out


def test_check_recordings_fails_on_what_is_no_recording_folder(tmp_path, capsys):
    docs = tmp_path / "docs"
    (docs / "recordings").mkdir(parents=True)
    (docs / "conf.py").write_text("")
    (docs / "recordings" / "notes.html").write_text(SCRIPT)
    (docs / "recordings" / "elsewhere").symlink_to(tmp_path)
    assert check(docs, docs / "_build") == 2
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == [
        f"flowdocs: {docs / 'recordings' / 'elsewhere'}: not a recording's folder",
        f"flowdocs: {docs / 'recordings' / 'notes.html'}: not a recording's folder",
        "flowdocs: 0 recordings checked: 2 problems",
    ]


def test_a_commit_outside_the_history_is_named(tmp_path):
    head = os.popen(f"git -C {ROOT} rev-parse HEAD").read().strip()
    assert commit_problem(ROOT, head[:12]) is None
    assert commit_problem(ROOT, f"{head[:12]}-dirty") is None
    assert commit_problem(ROOT, "0" * 40) == f"commit {'0' * 40} is not in the repository's history"
    assert "names no commit" in commit_problem(ROOT, None)
    assert "is not a git checkout" in commit_problem(tmp_path, "abc")


def test_the_summary_spells_out_terminal_escapes():
    assert printable("\x1b[2Khidden\u202eevil") == "\\x1b[2Khidden\\u202eevil"
    assert printable("정상 正常 ok") == "정상 正常 ok"


def test_stored_notebooks_are_readable_by_nbformat(tmp_path):
    write_store(tmp_path / "cpu-test", notebook(lesson_outputs()))
    text = (tmp_path / "cpu-test" / f"{PAGE}.ipynb").read_text()
    nbformat.validate(nbformat.reads(text, as_version=4))
