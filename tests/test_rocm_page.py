""" "Run on an AMD GPU (ROCm)" works as written: its commands run where the page says they do.

The page marks the commands that need neither docker nor a GPU (``:class: runs-without-gpu``);
they run here, in the page's order, in what a stock ``rocm/pytorch`` container is to the project:
a Python with torch installed, the project's folder, no Node.js, and no GPU. The container's own
command is the lessons' ROCm tab's, printed by the ``{rocm-container}`` directive from one
constant, so the two cannot differ.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil

import pytest
import tomllib
from test_nox_sessions import make_venv, run, user_env

from conftest import ROOT, copy_project
from flowdocs.sphinxext.run_it_yourself import ROCM_CONTAINER

PAGE = ROOT / "docs" / "how-to" / "run-on-rocm.md"
MARKED = re.compile(
    r"^```\{code-block\} console\n:class: runs-without-gpu\n\n(.*?)^```$", re.M | re.S
)


def page_commands() -> list[str]:
    """The marked commands, in the page's order, without their prompts."""
    blocks = MARKED.findall(PAGE.read_text(encoding="utf-8"))
    return [line[2:] for block in blocks for line in block.splitlines() if line.startswith("$ ")]


def test_the_page_starts_the_container_the_lessons_tab_starts():
    text = PAGE.read_text(encoding="utf-8")
    assert "```{rocm-container}\n```" in text
    assert "docker run" not in text  # the command comes from the one constant
    assert '-v "$PWD":/work -w /work' in ROCM_CONTAINER  # the project goes in with it


def test_the_page_names_the_torch_floor_of_pyproject():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    floor = next(d for d in pyproject["project"]["dependencies"] if d.startswith("torch"))
    assert f"flowdocs needs torch {floor.removeprefix('torch>=')} or newer" in PAGE.read_text()


@pytest.mark.site
def test_the_commands_that_need_no_gpu_run_as_written_in_a_container_like_python(
    tmp_path, built_site
):
    commands = page_commands()
    assert commands[0].startswith('python -c "import torch; print(torch.__version__')
    assert "pip install -e ." in commands and "FLOWDOCS_TORCH=preinstalled nox -s docs" in commands
    # The container's Python: torch installed, nothing of this project's, no Node.js on PATH.
    python = make_venv(tmp_path / "container", f"torch=={importlib.metadata.version('torch')}")
    shown = tmp_path / "bin"
    shown.mkdir()
    hidden = {"node", "npm", "npx"}
    for folder in os.environ["PATH"].split(os.pathsep):
        if os.path.isdir(folder):
            for tool in os.listdir(folder):
                if tool not in hidden and not os.path.lexists(shown / tool):
                    (shown / tool).symlink_to(os.path.join(folder, tool))
    env = user_env(PATH=os.pathsep.join([str(python.parent), str(shown)]))
    assert not any(shutil.which(tool, path=env["PATH"]) for tool in hidden)
    # The project's folder, with the pages' outputs this session already executed.
    project = copy_project(tmp_path / "work", outputs_from=built_site)
    for command in commands:
        done = run(["bash", "-c", command], project, env, timeout=1800)
        assert done.returncode == 0, command
        if command == commands[0]:
            version, hip, gpu = done.stdout.split()
            assert (version, hip, gpu) == (importlib.metadata.version("torch"), "None", "False")
    site = project / "docs" / "_build" / "site"
    for language in ("en", "ja", "ko"):
        assert (site / language / "how-to" / "run-on-rocm.html").is_file()
