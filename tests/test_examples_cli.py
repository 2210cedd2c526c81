"""Every example runs standalone and refuses a missing GPU with one line and status 2."""

import subprocess
import sys

import pytest
import torch

from conftest import ROOT

EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.py"))


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
@pytest.mark.parametrize("script", EXAMPLES)
def test_asking_for_a_missing_gpu_exits_2_with_one_line(script):
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script), "--device", "cuda"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"{script}: error: --device cuda: no ROCm or CUDA GPU")


@pytest.mark.parametrize("script", EXAMPLES)
def test_help_describes_the_lesson(script):
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script), "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert "--device {auto,cpu,cuda,mps}" in done.stdout
    assert "--full" in done.stdout
