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
