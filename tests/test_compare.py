"""``--compare``: a lesson's results beside the site's machines, from a checkout.

The machines are two fixture recordings (tests/fixtures/recordings: a ROCm and a CUDA GPU, as
``nox -s record`` writes them; no GPU here), loaded with the store's checks. The downloaded
script's ``--compare`` runs in tests/test_lesson_pages.py, in a Python holding torch alone.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from flowdocs.build import site_data
from flowdocs.build.outputs import AUTO, prepare
from flowdocs.build.pages import executed_pages
from flowdocs.build.store import MANIFEST, load
from flowdocs.compare import CompareError, comparison
from flowdocs.device_info import DeviceInfo

FIXTURES = Path(__file__).parent / "fixtures" / "recordings"
GPU_RECORDINGS = ("cuda-h100", "rocm-mi300x")  # of the inference page, from a GPU each
PAGE = "hands-on/inference"
LESSON = "inference_flow.py"
CPU = DeviceInfo("cpu", "cpu", "x86_64, 2 threads", None, None, "2.13.0+cpu")


def lesson_project(folder: Path) -> Path:
    """A checkout holding the inference page, its lesson and the fixture recordings, each
    current for the page (as if recorded from this very code); returns its docs folder."""
    docs = folder / "docs"
    (docs / "hands-on").mkdir(parents=True)
    shutil.copy(ROOT / "docs" / f"{PAGE}.md", docs / f"{PAGE}.md")
    (folder / "examples").mkdir()
    shutil.copy(ROOT / "examples" / LESSON, folder / "examples" / LESSON)
    (page,) = executed_pages(docs, folder / "examples")
    for fixture in map(FIXTURES.joinpath, GPU_RECORDINGS):
        recording = docs / "recordings" / fixture.name
        shutil.copytree(fixture, recording)
        manifest = json.loads((recording / MANIFEST).read_text(encoding="utf-8"))
        manifest["pages"][PAGE]["inputs"] = page.digest
        (recording / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return docs


def fixture_site_json(docs: Path) -> str:
    """The inference lesson's site data with both fixture machines, as a build showing them
    writes it."""
    (page,) = executed_pages(docs, docs.parent / "examples")
    stores = [load(docs / "recordings" / name) for name in ("rocm-mi300x", "cuda-h100")]
    files = site_data.files(docs.parent / "examples", [page], {PAGE: stores})
    return files["inference_flow.json"]


def run_lesson(script: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(script), "--device", "cpu", *options],
        capture_output=True, text=True, cwd=script.parent,
    )  # fmt: skip


def test_a_checkout_compares_with_the_recording_its_build_shows(tmp_path):
    """``--outputs auto`` shows the ROCm recording alone: --compare prints that machine."""
    docs = lesson_project(tmp_path)
    prepare(docs, docs / "_build", AUTO, strict=True)
    done = run_lesson(tmp_path / "examples" / LESSON, "--compare")
    assert done.returncode == 0, done.stderr
    lesson, table = done.stdout.split(f"\n{LESSON} --compare: ")
    assert "pred = " in lesson
    rows = {line.split()[0]: line.split()[1:] for line in table.splitlines()[2:] if line}
    assert " ".join(rows["device"]).endswith("AMD Instinct MI300X")
    assert " ".join(rows["runtime"]) == "— HIP 6.4.43482"
    assert rows["torch"] == ["2.13.0+cpu", "2.7.1+rocm6.4"]
    assert rows["date"][1] == "2026-11-30"
    assert rows["compares"] == ["—", "yes"]
    mine = float(lesson.split("pred = ")[1].split()[0])
    assert [round(float(value), 4) for value in rows["prediction"]] == [mine, -1.2353]
    assert "H100" not in table


def test_with_no_machine_known_it_says_so_in_one_line_and_prints_yours(tmp_path):
    printed = comparison(tmp_path / "examples" / LESSON, CPU, {"prediction": -1.25}, False)
    head, blank, *table = printed.splitlines()
    assert head.startswith(f"{LESSON} --compare: no machine of the site is known here")
    assert blank == ""
    assert table[0].split() == ["you"]
    assert table[-1].split() == ["prediction", "-1.25"]


def site_file(folder: Path, machines: list[dict]) -> Path:
    """A checkout's site data for the lesson ``lesson.py`` in ``folder/examples``."""
    path = folder / "docs" / "_build" / "outputs" / "compare" / "lesson.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"schema": 1, "page": "p", "machines": machines}), "utf-8")
    return folder / "examples" / "lesson.py"


def gpu(threads: str, machine: str = "'quiet'", **glued: str) -> dict:
    device = {"backend": "rocm", "name": "AMD Instinct MI300X", "torch": "2.7.1+rocm6.4"}
    glued = {"threads": threads, "machine": machine, "verdict": "'faster'", **glued}
    return {"id": "rocm-mi300x", "device": device, "executed": "2026-11-30T09:12:44Z",
            "glued": glued}  # fmt: skip


def compares_row(printed: str) -> tuple[str, list[str]]:
    rows = [line for line in printed.splitlines() if line.startswith("compares")]
    notes = [line for line in printed.splitlines() if line.startswith("[")]
    return rows[0].split(None, 1)[1], notes


YOURS = {"threads": 2, "machine": "quiet", "verdict": "inconclusive-overlap", "plot": [1, 2]}


def test_a_machine_timed_with_other_threads_says_its_timings_do_not_compare(tmp_path):
    script = site_file(tmp_path, [gpu("2"), gpu("16")])
    row, notes = compares_row(comparison(script, CPU, YOURS, full=False))
    assert row.split() == ["—", "yes", "no", "[1]"]
    assert notes == [
        "[1] rocm-mi300x: it ran 16 threads, you 2: its timings and verdicts do not compare "
        "with yours"
    ]


def test_after_full_no_column_compares_since_the_site_runs_the_quick_sizes(tmp_path):
    script = site_file(tmp_path, [gpu("2")])
    row, notes = compares_row(comparison(script, CPU, YOURS, full=True))
    assert row.split() == ["—", "no", "[1]"]
    assert notes == [
        "[1] rocm-mi300x: you ran --full, the site the quick sizes: its numbers do not "
        "compare with yours"
    ]


def test_a_busy_machine_is_named_on_either_side(tmp_path):
    script = site_file(tmp_path, [gpu("2", machine="'busy'")])
    _row, notes = compares_row(comparison(script, CPU, {**YOURS, "machine": "busy"}, False))
    assert "it was busy while timing; yours was busy while timing" in notes[0]


def test_the_verdicts_print_as_the_page_computes_them_and_tables_stay_out(tmp_path):
    script = site_file(tmp_path, [gpu("2")])
    lines = comparison(script, CPU, YOURS, full=False).splitlines()
    assert [line.split() for line in lines if line.startswith("verdict")] == [
        ["verdict", "inconclusive-overlap", "faster"]
    ]
    assert not [line for line in lines if line.startswith("plot")]


def test_recorded_text_is_printed_as_text_never_run(tmp_path):
    """A terminal escape turns into ``?``; code is text like any other."""
    hostile = "'\x1b[2J__import__(1)'"
    script = site_file(tmp_path, [gpu("2", verdict=hostile)])
    printed = comparison(script, CPU, YOURS, full=False)
    assert "\x1b" not in printed
    assert printed.endswith("inconclusive-overlap  ?[2J__import__(1)")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{", "the site data is not JSON"),
        (json.dumps({"schema": 2, "machines": []}), "schema is not 1"),
        (json.dumps({"schema": 1, "machines": [{"id": 3}]}), "a machine needs an id"),
        (json.dumps({"schema": 1, "machines": [gpu("2")] * 33}), "at most 32"),
    ],
)
def test_bad_site_data_fails_in_one_line(tmp_path, text, problem):
    script = site_file(tmp_path, [])
    (script.parent.parent / "docs/_build/outputs/compare/lesson.json").write_text(text, "utf-8")
    with pytest.raises(CompareError, match=problem) as error:
        comparison(script, CPU, YOURS, full=False)
    assert "\n" not in str(error.value)


def test_bad_site_data_stops_the_lesson_with_one_line_and_exit_1(tmp_path):
    docs = lesson_project(tmp_path)
    broken = docs / "_build" / "outputs" / "compare" / "inference_flow.json"
    broken.parent.mkdir(parents=True)
    broken.write_text("[]", encoding="utf-8")
    done = run_lesson(tmp_path / "examples" / LESSON, "--compare")
    assert done.returncode == 1
    assert done.stderr == f"{LESSON}: error: {broken}: the site data's schema is not 1\n"


def test_the_site_data_of_two_machines_holds_their_glued_values(tmp_path):
    data = json.loads(fixture_site_json(lesson_project(tmp_path)))
    assert [(m["id"], m["device"]["backend"], m["glued"]) for m in data["machines"]] == [
        ("rocm-mi300x", "rocm", {"prediction": "-1.2353209257125854"}),
        ("cuda-h100", "cuda", {"prediction": "-1.2353209257125854"}),
    ]
