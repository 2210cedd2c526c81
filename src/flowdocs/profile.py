"""Who did the work: profile a model with ``torch.profiler`` and name the library behind each op.

On a GPU the profiler records kernels, whose names give their library away: rocBLAS and
hipBLASLt GEMMs are ``Cijk_...``, MIOpen kernels carry MIOpen's solver names, cuBLAS and cuDNN
kernels theirs, and PyTorch's own kernels are ``at::native`` templates. On the CPU the profiler
records ATen ops; which library runs a matrix product or a convolution follows from how torch
was built (``torch.__config__.show()``), so the CPU mapping reads that rather than assuming.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import torch
from torch.profiler import ProfilerActivity, profile

PYTORCH = "PyTorch's own kernels"

# (pattern, library) in order; the first match wins (cuDNN's convolutions are implicit GEMMs,
# so its patterns come before cuBLAS's). Names are matched case-insensitively.
GPU_LIBRARIES = {
    "rocm": [
        (r"^Cijk_", "rocBLAS / hipBLASLt (GEMM)"),
        (
            r"miopen|igemm|naive_conv|MIOpenBatchNorm|batchnorm_?fwd|bn_fwd|ConvHip|gridwise",
            "MIOpen",
        ),
        (r"memcpy|memset|copyBuffer", "HIP runtime (copies)"),
        (r"flash|fmha|attention", "PyTorch (fused attention)"),
    ],
    "cuda": [
        (
            r"cudnn|implicit_convolve|xmma_fprop|xmma_dgrad|xmma_wgrad|bn_fw|bn_bw|fft2d|winograd",
            "cuDNN",
        ),
        (r"cublas|gemm|sgemm|gemv|xmma_gemm|cutlass|nvjet|sm\d+_xmma", "cuBLAS / cuBLASLt (GEMM)"),
        (r"memcpy|memset", "CUDA runtime (copies)"),
        (r"flash|fmha|attention", "PyTorch (fused attention)"),
    ],
}

CPU_GEMM_OPS = {"aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::addmv", "aten::mv"}
# A CPU convolution's backward reuses the forward's backend, oneDNN when torch has it; its
# work is then the self time of aten::convolution_backward, with no oneDNN op beneath it.
CPU_ONEDNN_OPS = {"aten::mkldnn_convolution", "aten::convolution_backward"}


@dataclass(frozen=True)
class Row:
    """One op or kernel of the profile, with the library that ran it."""

    name: str
    library: str
    calls: int
    self_us: float


@cache
def cpu_blas() -> str:
    """The BLAS this torch was built with, as ``torch.__config__.show()`` reports it."""
    found = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    names = {
        "mkl": "Intel MKL",
        "open": "OpenBLAS",
        "openblas": "OpenBLAS",
        "accelerate": "Accelerate",
    }
    return names.get(found.group(1), found.group(1)) if found else "BLAS"


def library_of(name: str, backend: str) -> str:
    """The library behind a kernel (GPU backends) or an ATen op (``cpu``)."""
    if backend == "cpu":
        if name in CPU_GEMM_OPS:
            return f"{cpu_blas()} (GEMM)"
        if name in CPU_ONEDNN_OPS and torch.backends.mkldnn.is_available():
            return "oneDNN"
        return PYTORCH
    for pattern, library in GPU_LIBRARIES[backend]:
        if re.search(pattern, name, re.IGNORECASE):
            return library
    return PYTORCH


def profile_work(run: Callable[[], object], backend: str) -> list[Row]:
    """Run ``run()`` under the profiler; one row per op (CPU) or kernel (GPU), busiest first.

    On a GPU the rows are the device kernels; on the CPU the ATen ops that did work themselves
    (self time > 0), since parent ops like ``aten::linear`` only dispatch to children.
    """
    on_gpu = backend in GPU_LIBRARIES
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if on_gpu else [])
    with profile(activities=activities) as prof:
        run()
        if on_gpu:
            torch.cuda.synchronize()
    rows = []
    for event in prof.key_averages():
        if on_gpu:
            kernel = event.device_type != torch.autograd.DeviceType.CPU
            self_us = event.self_device_time_total if kernel else 0
        else:
            self_us = event.self_cpu_time_total if event.key.startswith("aten::") else 0
        if self_us > 0:
            rows.append(Row(event.key, library_of(event.key, backend), event.count, self_us))
    return sorted(rows, key=lambda row: row.self_us, reverse=True)


def share_by_library(rows: list[Row]) -> dict[str, float]:
    """Fraction of the profiled time each library took, largest first."""
    total = sum(row.self_us for row in rows) or 1.0
    shares: dict[str, float] = {}
    for row in rows:
        shares[row.library] = shares.get(row.library, 0.0) + row.self_us / total
    return dict(sorted(shares.items(), key=lambda item: item[1], reverse=True))
