"""flowdocs.build.execute: pages run one by one in one warm kernel; failures read as flowdocs'."""

import pytest

from conftest import notebook_page
from flowdocs.build.execute import ExecutionFailed, execute
from flowdocs.build.pages import executed_pages


def run(tmp_path, **pages: str):
    """Execute one page per keyword (its code cell), with a script ``lesson.py`` beside them."""
    docs, examples = tmp_path / "docs", tmp_path / "examples"
    docs.mkdir(parents=True, exist_ok=True)
    examples.mkdir()
    (examples / "lesson.py").write_text(
        "import time\n\ndef main():\n    time.sleep(0.2)\n    raise RuntimeError('boom')\n"
    )
    for name, code in pages.items():
        (docs / f"{name}.md").write_text(notebook_page("A page", code))
    done = []
    execute(executed_pages(docs, examples), examples, done.append)
    return done


def test_pages_run_one_at_a_time_and_keep_their_outputs(tmp_path):
    done = run(
        tmp_path,
        a="import time\nstart = time.time()\ntime.sleep(0.3)\nprint(start, time.time())",
        b="import time\nstart = time.time()\ntime.sleep(0.3)\nprint(start, time.time())",
    )
    spans = [tuple(map(float, e.cells[0].outputs[0]["text"].split())) for e in done]
    assert [e.page.docname for e in done] == ["a", "b"]
    assert spans[0][1] <= spans[1][0]  # the second page started after the first one ended
    assert all(e.seconds >= 0.3 for e in done)


def test_each_page_starts_from_an_empty_namespace_in_its_own_folder(tmp_path):
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    first, second = run(
        tmp_path,
        a="secret = 42",
        **{"sub/b": "import os\nprint('secret' in dir(), os.path.basename(os.getcwd()))"},
    )
    assert second.page.docname == "sub/b"
    assert second.cells[0].outputs[0]["text"] == "False sub\n"


def test_a_failing_script_is_reported_by_page_script_line_and_exception(tmp_path):
    with pytest.raises(ExecutionFailed) as failed:
        run(tmp_path, broken="import lesson\nlesson.main()")
    assert str(failed.value).splitlines() == [
        "flowdocs: broken.md failed in examples/lesson.py, line 5",
        "  RuntimeError: boom",
    ]
    assert "Traceback" in failed.value.traceback or "RuntimeError" in failed.value.traceback


def test_a_failing_cell_is_reported_by_its_line(tmp_path):
    with pytest.raises(ExecutionFailed) as failed:
        run(tmp_path, broken="x = 1\nx / 0")
    assert str(failed.value).splitlines() == [
        "flowdocs: broken.md failed in its code cell, line 2",
        "  ZeroDivisionError: division by zero",
    ]


def test_a_printed_traceback_fails_unless_the_cell_allows_it(tmp_path):
    printing = (
        "import traceback\ntry:\n    1 / 0\nexcept ZeroDivisionError:\n    traceback.print_exc()"
    )
    with pytest.raises(ExecutionFailed, match="printed a traceback"):
        run(tmp_path, printed=printing)
    allowed = f":tags: [raises-exception]\n{printing}"
    (done,) = run(tmp_path / "again", allowed=allowed)
    assert "ZeroDivisionError" in done.cells[0].outputs[0]["text"]
