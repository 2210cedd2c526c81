"""Every example's command line: --help before torch, --full only where it does something,
one line and status 2 for a missing GPU, one line for missing helpers."""

import subprocess
import sys

import pytest
import torch

from conftest import ROOT
from flowdocs import cli

EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.py"))
WITHOUT_FULL = {"inference_flow.py"}  # one forward pass of nn.Linear(3, 1): nothing to enlarge


def run_example(
    script: str, *args: str, python: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    command = [sys.executable, *python, str(ROOT / "examples" / script), *args]
    return subprocess.run(command, capture_output=True, text=True)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
@pytest.mark.parametrize("script", EXAMPLES)
def test_asking_for_a_missing_gpu_exits_2_with_one_line(script):
    done = run_example(script, "--device", "cuda")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"{script}: error: --device cuda: no ROCm or CUDA GPU")


@pytest.mark.parametrize("script", EXAMPLES)
def test_help_describes_the_lesson_without_importing_torch(script):
    done = run_example(script, "--help", python=("-X", "importtime"))
    assert done.returncode == 0
    assert "--device {auto,cpu,cuda,mps}" in done.stdout
    assert ("--full" in done.stdout) == (script not in WITHOUT_FULL)
    imported = [line.split("|")[-1].strip() for line in done.stderr.splitlines()]
    assert "flowdocs.cli" in imported
    assert not [name for name in imported if name.split(".")[0] == "torch"]


@pytest.mark.parametrize("script", EXAMPLES)
def test_a_mistyped_option_is_refused_before_torch_loads(script):
    done = run_example(script, "--device", "tpu", python=("-X", "importtime"))
    assert done.returncode == 2
    assert "invalid choice: 'tpu'" in done.stderr
    assert " torch\n" not in done.stderr


@pytest.mark.parametrize("script", EXAMPLES)
def test_without_the_helpers_a_script_says_how_to_install_them(script):
    done = run_example(script, python=("-S",))  # no site-packages: no flowdocs, no torch
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    # Something true from a checkout, and no guessed address
    assert done.stderr.startswith(
        "This lesson needs the flowdocs helpers: in the project's folder, pip install -e ."
    )


def test_in_a_notebook_kernel_the_options_are_the_defaults(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipykernel", sys.modules.get("ipykernel", object()))
    monkeypatch.setattr(sys, "argv", ["ipykernel_launcher.py", "-f", "kernel-1.json"])
    options = cli.parse("Lesson.", full=True)
    assert (options.device, options.full) == ("auto", False)


def test_full_is_false_where_it_is_not_offered():
    assert cli.parse("Lesson.", full=False, argv=["--device", "cpu"]).full is False
    with pytest.raises(SystemExit):
        cli.parse("Lesson.", full=False, argv=["--full"])
