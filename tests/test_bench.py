"""flowdocs.build.bench: its command line, and that it times what the lessons themselves time."""

import importlib
import subprocess
import sys

import pytest
import torch

from flowdocs.build import bench


def test_a_missing_examples_folder_is_a_one_line_usage_error(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "flowdocs.build.bench", "--examples", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1].startswith("python -m flowdocs.build.bench: error:")
    assert "lacks inference_flow" in done.stderr


@pytest.mark.parametrize(
    ("name", "labels"),
    [
        ("autograd_modes", ["nullcontext", "no_grad", "inference_mode"]),
        ("training_flow", ["inference call", "training step"]),
        ("kv_cache", ["with_cache", "without_cache"]),
    ],
)
def test_the_cross_check_times_the_lessons_own_variants(name, labels):
    variants = bench.TIMED_VARIANTS[name](importlib.import_module(name), torch.device("cpu"))
    assert list(variants) == labels
    for run in variants.values():
        run()


def test_standalone_runs_interleave_the_bare_import_and_take_each_rounds_difference(
    monkeypatch, tmp_path
):
    # A slow round (the machine got busy) slows the bare import too: the differences stay.
    # Each round: import torch, import torch._dynamo, then the five examples.
    order = []
    seconds = iter([2.0, 3.2, 2.1, 3.0, 2.0, 2.0, 2.0] + [4.0, 5.4, 4.1, 5.0, 4.0, 4.0, 4.0])

    def wall_time(command):
        order.append(command[-1])
        return next(seconds)

    monkeypatch.setattr(bench, "wall_time", wall_time)
    runs = bench.standalone_runs(tmp_path, rounds=2)
    one_round = [
        "import torch",
        "import torch, torch._dynamo",
        *(str(tmp_path / f"{name}.py") for name in bench.EXAMPLES),
    ]
    assert order == one_round * 2
    first = bench.EXAMPLES[0]
    assert runs["beyond_import_torch_s"][first] == pytest.approx(0.1)
    assert runs["beyond_import_torch_s"][bench.EXAMPLES[1]] == pytest.approx(1.0)
    assert runs["torch_dynamo_beyond_import_torch_s"] == pytest.approx(1.3)
    assert runs["import_torch_s"] == pytest.approx(3.0)
    assert runs["standalone_s"][first] == pytest.approx(3.1)
    assert sorted(runs["standalone_s"]) == sorted(bench.EXAMPLES)  # the baselines are no example
