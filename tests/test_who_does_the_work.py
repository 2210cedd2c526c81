"""examples/who_does_the_work.py: its claims, from its results, on the CPU (the GPU paths are
covered with fixtures in test_profile.py and test_device.py)."""

import subprocess
import sys

import pytest
import torch
import who_does_the_work
from torch import nn

from conftest import ROOT
from flowdocs.profile import ATTENTION, PYTORCH, cpu_blas

SCRIPT = ROOT / "examples" / "who_does_the_work.py"


@pytest.fixture(scope="module")
def result():
    return who_does_the_work.main(device="cpu")


def libraries(profile) -> dict[str, str]:
    return {row.name: row.library for row in profile.rows}


def test_the_forward_pass_and_the_training_step_are_profiled_apart(result):
    assert result.profiled == "cpu_ops"
    forward, training = libraries(result.forward), libraries(result.training)
    assert "aten::convolution_backward" in training
    assert not any("backward" in name for name in forward)
    assert "aten::_foreach_add_" in training  # the SGD update
    for found in (forward, training):
        assert cpu_blas() in found.values()
        assert found["aten::mkldnn_convolution"] == "oneDNN"
        assert found.get("aten::relu", found.get("aten::clamp_min")) == PYTORCH
    attention = [name for name, library in training.items() if library == ATTENTION]
    assert attention and all("scaled_dot_product" in name for name in attention)


def test_the_shares_add_up_and_there_is_no_gpu_arch_to_check(result):
    for profile in (result.forward, result.training):
        assert sum(profile.shares.values()) == pytest.approx(1.0)
        assert list(profile.shares.values()) == sorted(profile.shares.values(), reverse=True)
    assert result.arch is None


def test_the_written_out_update_is_what_torch_optim_sgd_does():
    torch.manual_seed(0)
    ours, theirs = nn.Linear(4, 3), nn.Linear(4, 3)
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(5, 4)
    for model in (ours, theirs):
        model(x).square().sum().backward()
    optimizer = torch.optim.SGD(theirs.parameters(), lr=0.1, foreach=True)
    optimizer.step()
    who_does_the_work.sgd_step(ours.parameters(), lr=0.1)
    for mine, reference in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert torch.equal(mine, reference)
        assert mine.grad is None


@pytest.mark.parametrize(
    ("backend", "benchmark", "immediate", "says"),
    [
        ("cuda", False, False, "cuDNN's heuristics pick each algorithm, without timing"),
        ("cuda", True, False, "cuDNN times its algorithms for each new shape"),
        ("rocm", False, False, "MIOpen's find step picks each solver"),
        ("rocm", False, True, "MIOpen's immediate mode picks each solver without timing"),
    ],
)
def test_the_convolution_choice_follows_torchs_settings(
    monkeypatch, backend, benchmark, immediate, says
):
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", benchmark)
    monkeypatch.setattr(torch.backends.miopen, "immediate", immediate)
    line = who_does_the_work.convolution_choice(backend)
    assert line.startswith(f"torch.backends.cudnn.benchmark = {benchmark}")
    assert says in line


def test_a_standalone_run_shows_the_lesson_and_nothing_of_the_profiler():
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "forward pass (inference mode), median over 5 profiled steps" in done.stdout
    assert "training step (forward, loss, backward, SGD update), median over" in done.stdout
    assert "no GPU architecture to check: this run used the cpu" in done.stdout


def test_the_shown_code_fits_88_columns():
    long = [n for n, line in enumerate(SCRIPT.read_text().splitlines(), 1) if len(line) > 88]
    assert long == []


def test_without_the_helpers_the_script_stops_with_one_line():
    hide_flowdocs = (
        "import runpy, sys; sys.modules['flowdocs'] = None; "
        f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')"
    )
    done = subprocess.run([sys.executable, "-c", hide_flowdocs], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr == (
        "This lesson needs the flowdocs helpers: in the project's folder, pip install -e . "
        "(or download the lesson from its page on the site: that copy carries them)\n"
    )
