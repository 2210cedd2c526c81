"""flowdocs.profile: kernel and op names mapped to the library that ran them.

The GPU cases are real kernel names from public traces and library sources, one fixture per
name (tests/fixtures/gpu-kernel-names*.tsv, with their sources); no test machine has a GPU.
The CPU path runs for real.
"""

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.autograd.profiler_util import FunctionEvent

from flowdocs.profile import (
    ATTENTION,
    BLAS,
    COPIES,
    DNN,
    FOR_CONVOLUTION,
    MPS_WORK,
    OTHER,
    PYTORCH,
    cpu_blas,
    kernel_work,
    library_of,
    profile_work,
    quiet_profiler_logs,
    share_by_library,
)

FIXTURES = Path(__file__).parent / "fixtures"
# The fixture files name owners in their own words; these are the profile's library names.
OWNERS = {
    "rocBLAS / hipBLASLt (GEMM)": BLAS["rocm"],
    "cuBLAS / cuBLASLt": BLAS["cuda"],
    "MIOpen": DNN["rocm"],
    "cuDNN": DNN["cuda"],
    "PyTorch's own kernels": PYTORCH,
    "PyTorch fused attention": ATTENTION,
    "HIP runtime (copies)": COPIES["rocm"],
    "CUDA runtime (copies)": COPIES["cuda"],
}
CONVOLUTION_OPS = {"aten::miopen_convolution", "aten::cudnn_convolution_backward_weight"}


def kernel_names(filename: str) -> list[dict[str, str]]:
    lines = (FIXTURES / filename).read_text(encoding="utf-8").splitlines()
    return list(csv.DictReader((line for line in lines if line[:1] != "#"), delimiter="\t"))


def expected_library(row: dict[str, str]) -> str:
    """The owner in the profile's words; a GEMM launched by a convolution op says so."""
    if row["owner"].startswith("(none of the listed"):
        return OTHER
    library = OWNERS[row["owner"]]
    if library in BLAS.values() and row.get("launched_by") in CONVOLUTION_OPS:
        return library + FOR_CONVOLUTION
    return library


REFERENCE = kernel_names("gpu-kernel-names.tsv")
EXTRA = kernel_names("gpu-kernel-names-extra.tsv")


def label(row: dict[str, str]) -> str:
    return f"{row['backend']}:{row['kernel_name'][:60]}"


def test_the_reference_table_is_used_whole():
    assert len(REFERENCE) == 69
    assert {row["backend"] for row in REFERENCE + EXTRA} == {"rocm", "cuda"}


@pytest.mark.parametrize("row", REFERENCE, ids=label)
def test_each_reference_kernel_maps_to_its_owner(row):
    assert library_of(row["kernel_name"], row["backend"]) == expected_library(row)


@pytest.mark.parametrize("row", EXTRA, ids=label)
def test_each_further_kernel_maps_to_its_owner_given_the_op_that_launched_it(row):
    ops = [row["launched_by"]] if row["launched_by"] else []
    assert library_of(row["kernel_name"], row["backend"], ops) == expected_library(row)


def test_the_backend_comes_from_the_device_not_the_name():
    assert library_of("Memset (Device)", "rocm") == COPIES["rocm"]
    assert library_of("Memset (Device)", "cuda") == COPIES["cuda"]


def test_on_mps_no_work_is_given_to_a_cpu_library():
    for op in ("aten::addmm", "aten::mkldnn_convolution", "aten::relu"):
        assert library_of(op, "mps") == MPS_WORK


def test_cpu_ops_map_to_the_blas_torch_was_built_with():
    assert library_of("aten::addmm", "cpu") == cpu_blas()
    assert library_of("aten::relu", "cpu") == PYTORCH
    assert library_of("aten::_scaled_dot_product_flash_attention_for_cpu", "cpu") == ATTENTION
    assert library_of("aten::mm", "cpu", ["aten::_slow_conv2d_backward"]).endswith(FOR_CONVOLUTION)


def test_each_kernel_is_attributed_through_the_op_that_launched_it():
    """An MI300X convolution whose MIOpen solver is a rocBLAS GEMM (names from the fixtures),
    as torch.profiler hands it over: kernels listed with the CPU op that launched them."""
    conv = FunctionEvent(id=1, name="aten::conv2d", thread=1, start_us=0, end_us=100)
    miopen = FunctionEvent(id=2, name="aten::miopen_convolution", thread=1, start_us=1, end_us=99)
    miopen.set_cpu_parent(conv)
    linear = FunctionEvent(id=3, name="aten::addmm", thread=1, start_us=100, end_us=150)
    gemm = next(row["kernel_name"] for row in EXTRA if row["launched_by"] == miopen.name)
    miopen.append_kernel(gemm, 0, 30)
    linear.append_kernel("Cijk_Alik_Bljk_SB_MT16x16x8_SN_1LDSB0", 0, 20)
    work = list(kernel_work([conv, miopen, linear]))
    assert work == [
        (gemm, ["aten::miopen_convolution", "aten::conv2d"], [], 30, 0),
        ("Cijk_Alik_Bljk_SB_MT16x16x8_SN_1LDSB0", ["aten::addmm"], [], 20, 0),
    ]
    libraries = [library_of(name, "rocm", ops) for name, ops, *_ in work]
    assert libraries == [BLAS["rocm"] + FOR_CONVOLUTION, BLAS["rocm"]]


def test_the_cpu_profile_finds_the_gemm_and_the_activation_for_real():
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 4))
    x = torch.randn(16, 32)
    rows = profile_work(lambda: model(x), "cpu")
    libraries = {row.name: row.library for row in rows}
    assert libraries["aten::addmm"] == cpu_blas()
    assert libraries.get("aten::relu", libraries.get("aten::clamp_min")) == PYTORCH
    shares = share_by_library(rows)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert list(shares.values()) == sorted(shares.values(), reverse=True)


@pytest.mark.parametrize("onednn", [True, False])
def test_a_cpu_convolution_is_credited_to_the_library_that_computed_it(onednn, monkeypatch):
    monkeypatch.setattr(torch.backends.mkldnn, "enabled", onednn)
    conv = nn.Conv2d(3, 8, 3, padding=1)
    x = torch.randn(2, 3, 16, 16)
    rows = profile_work(lambda: conv(x).sum().backward(), "cpu")
    libraries = {row.name: row.library for row in rows}
    if onednn:
        assert libraries["aten::mkldnn_convolution"] == "oneDNN"
        assert libraries["aten::convolution_backward"] == "oneDNN"
    else:  # PyTorch's fallback: im2col and a BLAS GEMM inside one op
        assert libraries["aten::_slow_conv2d_forward"] == cpu_blas() + FOR_CONVOLUTION
        assert libraries["aten::_slow_conv2d_backward"] == cpu_blas() + FOR_CONVOLUTION
        assert libraries["aten::convolution_backward"] == PYTORCH


def test_profiler_log_lines_are_dropped_and_other_stderr_kept(capfd):
    with quiet_profiler_logs():
        os.write(2, b"STAGE:2024-01-01 10:00:00 1:1 ActivityProfilerController.cpp:314] x\n")
        os.write(2, b"USDT:2026-11-29 03:25:06 1:1 SyncActivityProfilerHandler.cpp:52] y\n")
        os.write(2, b"[W1129 03:25:06.1 1 torch/csrc/profiler/kineto_shim.cpp:371] z\n")
        os.write(2, b"MIOpen(HIP): Warning [IsEnoughWorkspace] kept\n")
    assert capfd.readouterr().err == "MIOpen(HIP): Warning [IsEnoughWorkspace] kept\n"


def test_a_profile_prints_nothing_of_the_profiler_in_a_fresh_process():
    """Kineto's markers come from C++ at its first use in a process, where no test sees them."""
    script = (
        "import torch; from flowdocs.profile import profile_work; "
        "profile_work(lambda: torch.ones(2) * 2, 'cpu')"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == done.stderr == ""
