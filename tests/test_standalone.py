"""The downloadable lesson: the example with the lesson library inside it (no site built here;
tests/test_lesson_pages.py runs the downloads the built site serves)."""

import subprocess
import sys

import pytest

from conftest import ROOT
from flowdocs.sphinxext.standalone import NotBundleable, lesson_modules, standalone_script

EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.stem)
def test_a_lesson_carries_the_lesson_library_it_imports_and_nothing_else(script):
    modules = lesson_modules(script.read_text(encoding="utf-8"))
    assert {"flowdocs", "flowdocs.cli", "flowdocs.device", "flowdocs.device_info"} <= set(modules)
    assert not [name for name in modules if name.split(".")[1:2] in (["build"], ["sphinxext"])]


def test_the_helpers_a_module_imports_inside_a_function_travel_too():
    """flowdocs.cli imports flowdocs.device only when the lesson runs."""
    assert "flowdocs.device" in lesson_modules("from flowdocs import cli")


@pytest.mark.parametrize(
    "imports", ["from flowdocs.build import site", "import flowdocs.sphinxext"]
)
def test_a_lesson_that_needs_the_build_or_the_extension_is_refused(imports):
    with pytest.raises(NotBundleable, match="not in the lesson library"):
        lesson_modules(imports)


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.stem)
def test_the_standalone_script_finds_its_helpers_with_no_packages_at_all(script, tmp_path):
    """``-I -S``: no site-packages, so neither flowdocs nor torch; --help needs neither."""
    standalone, sources = standalone_script(script)
    assert sources[0] == script
    copy = tmp_path / script.name
    copy.write_text(standalone, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(copy), "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: {script.name} [-h] [--device")


def test_a_traceback_shows_the_lines_of_the_bundled_helpers(tmp_path):
    """Without torch, flowdocs.device stops; a traceback as Jupyter prints it (the traceback
    module, not the interpreter's own) names the bundled file and shows its line."""
    lesson = tmp_path / "lesson.py"
    lesson.write_text(
        '"""A lesson."""\n\nimport traceback\n\ntry:\n    import flowdocs.device\n'
        "except ModuleNotFoundError:\n    traceback.print_exc()\n",
        "utf-8",
    )
    lesson.write_text(standalone_script(lesson)[0], "utf-8")
    done = subprocess.run([sys.executable, "-I", "-S", str(lesson)], capture_output=True, text=True)
    assert done.stderr.endswith("ModuleNotFoundError: No module named 'torch'\n"), done.stderr
    assert 'File "flowdocs/device.py", line' in done.stderr
    assert "\n    import torch\n" in done.stderr
