"""Who did the work: profile with ``torch.profiler`` and name the library behind each kernel or op.

On a ROCm or CUDA GPU the profiler records device kernels. Their names give their library away
through stable prefixes and namespaces (whole names drift between library versions), and the
ATen op that launched a kernel tells a GEMM computing a convolution (a solver's choice) from one
computing a linear layer. The backend comes from how torch was built, never from a kernel's
name: many names are the same on ROCm and CUDA. On the CPU the profiler records ATen ops; which
library runs a matrix product follows from how torch was built (``torch.__config__.show()``).
On Apple's MPS the profiler sees no device kernels at all, only the CPU issuing ops to the GPU.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from statistics import median

import torch
from torch.autograd.profiler import profile, record_function

PYTORCH = "PyTorch's own kernels"
ATTENTION = "PyTorch's fused attention"
OTHER = "another library"
MPS_WORK = "issued to the Apple GPU (MPS)"
BLAS = {"rocm": "rocBLAS / hipBLASLt", "cuda": "cuBLAS / cuBLASLt"}
DNN = {"rocm": "MIOpen", "cuda": "cuDNN"}
COPIES = {"rocm": "HIP runtime (copies)", "cuda": "CUDA runtime (copies)"}
FOR_CONVOLUTION = " (GEMM for a convolution)"
GPU_BACKENDS = ("rocm", "cuda")
STEP = "flowdocs: profiled step"
PROFILE_THREADS = 1

COPY_NAMES = re.compile(r"^Mem(cpy|set)\b|^__amd_rocclr_(copy|fill)|^(hip|cuda)Mem(cpy|set)")
# Kernels that only PyTorch's own SDPA builds (FlashAttention, memory-efficient attention);
# both contain "cutlass", so they must be matched before cuBLAS's cutlass kernels.
ATTENTION_NAMES = re.compile(r"\bpytorch_(flash|fmha)::|\bfmha_cutlass[FB]_|PyTorchMemEffAttention")
# AOTriton (ROCm's default SDPA) and composable_kernel FMHA kernels: other projects launch kernels
# of these names too, so they are PyTorch's only under an ATen attention op (or with no op known).
SHARED_ATTENTION_NAMES = re.compile(r"^(attn_fwd\b|bwd_preprocess|bwd_kernel_)|Fmha")
ATTENTION_OPS = re.compile(r"^aten::_(scaled_dot_product|flash_attention|efficient_attention)")
# PyTorch's kernels live in at:: (mangled _ZN2at), or its wrapped CUB; a few legacy kernels don't.
PYTORCH_NAMES = re.compile(
    r"\bat::|_ZN2at|\bat_cuda_detail::|softmax_warp_(forward|backward)|cunn_"
)
DNN_NAMES = {
    "rocm": re.compile(
        r"miopen|gcnAsm|^naive_conv|^igemm_|^batched_transpose|^transpose_(NCHW|CNHW|NHWC)"
        r"|^SubTensorOp|^Im[23]d2Col|^Col2Im|^gridwise_(group_)?convolution_\w*implicit_gemm"
        r"|(_ZN2ck16tensor_operation|ck::tensor_operation::)"
        r".*?(conv|bwd_weight)",
        re.IGNORECASE,
    ),
    "cuda": re.compile(
        r"cudnn|convolve_\w*sgemm|\bbn_(fw|bw)_|\b[dw]grad\w*_engine|winograd", re.IGNORECASE
    ),
}
BLAS_NAMES = {
    "rocm": re.compile(r"^(Custom\w*?_)?Cijk_|\brocblas_|\bhipblaslt", re.IGNORECASE),
    "cuda": re.compile(
        r"cublas|\bnvjet_|\bcutlass_\d+_\w*gemm|\b(sm\d+|maxwell|pascal|volta|turing|ampere|hopper)"
        r"_\w*gemm",
        re.IGNORECASE,
    ),
}
CONVOLUTION_OPS = re.compile(r"^aten::\w*conv")

CPU_GEMM_OPS = {
    "aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::addmv", "aten::mv",
    "aten::dot", "aten::_addmm_activation",
}  # fmt: skip
# PyTorch's fallback convolutions unfold the input (im2col) and call the BLAS GEMM inside the
# op itself, with no aten::mm beneath it for the profiler to see.
CPU_SLOW_CONVOLUTION = re.compile(r"^aten::_?slow_conv")
# What the profiler prints around a run (Kineto's stage and USDT markers, its warnings): noise.
PROFILER_NOISE = re.compile(r"^(STAGE|USDT):|^\[W[^\]]*(kineto|profiler|collection\.cpp)")


@dataclass(frozen=True)
class Row:
    """One kernel (GPU) or ATen op (CPU) of the profile, with the library that ran it."""

    name: str
    library: str
    calls: int
    self_us: float

    def short_name(self, width: int = 60) -> str:
        """The name cut to ``width`` characters: kernel names can run to a thousand and more."""
        return self.name if len(self.name) <= width else self.name[: width - 1] + "…"


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


def library_of(name: str, backend: str, ops: Sequence[str] = (), calls: Sequence[str] = ()) -> str:
    """The library behind a kernel (``rocm``, ``cuda``) or an ATen op (``cpu``, ``mps``).

    ``ops`` are the ATen ops it ran under, innermost first, and ``calls`` the ATen ops it
    called, when the profile knows them: a GEMM under a convolution op is that convolution's
    algorithm, and a CPU convolution's backward did its own work unless it called another.
    """
    if backend == "mps":
        return MPS_WORK
    if backend == "cpu":
        library = cpu_library(name, calls)
    else:
        library = kernel_library(name, backend, ops[:1])
    if library == gemm_library(backend) and any(map(CONVOLUTION_OPS.match, ops)):
        return library + FOR_CONVOLUTION
    return library


def gemm_library(backend: str) -> str | None:
    """The library that runs matrix products on ``backend``; None on MPS, where none is seen."""
    return cpu_blas() if backend == "cpu" else BLAS.get(backend)


def cpu_library(op: str, calls: Sequence[str] = ()) -> str:
    """The library behind an ATen op that did work on the CPU; ``calls``: the ops it called."""
    if op in CPU_GEMM_OPS:
        return cpu_blas()
    if CPU_SLOW_CONVOLUTION.match(op):
        return cpu_blas() + FOR_CONVOLUTION
    onednn = torch.backends.mkldnn.is_available()
    if op == "aten::mkldnn_convolution" and onednn:
        return "oneDNN"
    # The backward of a oneDNN convolution runs inside this op, through no op of its own.
    if op == "aten::convolution_backward" and onednn and not any(map(CONVOLUTION_OPS.match, calls)):
        return "oneDNN"
    if ATTENTION_OPS.match(op):
        return ATTENTION
    return PYTORCH


def kernel_library(name: str, backend: str, launched_by: Sequence[str]) -> str:
    """The library a GPU kernel belongs to, by its name; ``launched_by`` is its op, if known."""
    if COPY_NAMES.search(name):
        return COPIES[backend]
    if ATTENTION_NAMES.search(name):
        return ATTENTION
    if backend == "rocm" and SHARED_ATTENTION_NAMES.search(name):
        return ATTENTION if all(map(ATTENTION_OPS.match, launched_by)) else OTHER
    if PYTORCH_NAMES.search(name):
        return PYTORCH
    if DNN_NAMES[backend].search(name):
        return DNN[backend]
    if BLAS_NAMES[backend].search(name):
        return BLAS[backend]
    return OTHER


def profile_work(run: Callable[[], object], backend: str, steps: int = 1) -> list[Row]:
    """Profile ``steps`` calls of ``run()``; one row per kernel (GPU) or op (CPU), busiest first.

    On a GPU the rows are the device kernels and their device time; on the CPU and MPS the
    ATen ops that did work themselves (self time > 0), since parent ops like ``aten::linear``
    only dispatch to children. On MPS that CPU time is the cost of issuing work to the GPU.
    Each row holds the median over the steps of its calls and time in one step, so that a
    step the machine's other work slowed down does not decide the shares. The CPU runs on
    ``PROFILE_THREADS`` threads meanwhile: on a busy machine, threads waiting for each other
    would otherwise fill the profile instead of the libraries' work.
    """
    on_gpu = backend in GPU_BACKENDS
    device = "cuda" if on_gpu else None
    with quiet_profiler_logs(), cpu_threads(PROFILE_THREADS if backend == "cpu" else None):
        # torch.profiler.profile drives this same Kineto profiler, but first probes
        # torch._inductor, which imports TorchDynamo: a second and more before any work.
        with profile(use_device=device, use_kineto=True) as prof:
            for _ in range(steps):
                with record_function(STEP):
                    run()
            synchronize(backend)
        events = list(prof.function_events)
    per_step: dict[tuple[str, str], list[list[float]]] = {}
    for name, ops, calls, us, step in kernel_work(events) if on_gpu else op_work(events):
        key = (name, library_of(name, backend, ops, calls))
        counts = per_step.setdefault(key, [[0, 0.0] for _ in range(steps)])
        counts[step][0] += 1
        counts[step][1] += us
    rows = [
        Row(name, library, round(median(n for n, _ in counts)), median(us for _, us in counts))
        for (name, library), counts in per_step.items()
    ]
    return sorted(rows, key=lambda row: row.self_us, reverse=True)


# One item of work: its name, the ops it ran under (innermost first), the ops it called,
# its time in µs and the number of the profiled step it belongs to.
Work = tuple[str, list[str], list[str], float, int]


def kernel_work(events: Iterable) -> Iterator[Work]:
    """Each GPU kernel, under the op that launched it: torch.profiler lists a CPU event's
    kernels with it (``event.kernels``), and the profiled steps leave no kernel without one."""
    events = list(events)
    steps = step_numbers(events)
    for event in events:
        above = ancestry(event)
        for kernel in event.kernels:
            yield kernel.name, names(above), [], kernel.duration, step_of(above, steps)


def op_work(events: Iterable) -> Iterator[Work]:
    """Each ATen op that did work on the CPU itself (self time > 0)."""
    events = list(events)
    steps = step_numbers(events)
    for event in events:
        if event.name.startswith("aten::") and event.self_cpu_time_total > 0:
            above = ancestry(event.cpu_parent)
            calls = names(event.cpu_children)
            yield event.name, names(above), calls, event.self_cpu_time_total, step_of(above, steps)


def ancestry(event) -> list:
    """``event`` and the events it ran under, innermost first."""
    chain = []
    while event is not None:
        chain.append(event)
        event = event.cpu_parent
    return chain


def names(events: Iterable) -> list[str]:
    return [event.name for event in events]


def step_numbers(events: Iterable) -> dict[int, int]:
    """The number of each profiled step's annotation, keyed by the event's identity."""
    return {id(e): n for n, e in enumerate(e for e in events if e.name == STEP)}


def step_of(above: list, steps: dict[int, int]) -> int:
    """The step a piece of work ran in; the first, for work linked to no op."""
    return next((steps[id(e)] for e in above if id(e) in steps), 0)


def synchronize(backend: str) -> None:
    """Wait for the device, so that the profile holds all of its work."""
    if backend in GPU_BACKENDS:
        torch.cuda.synchronize()
    elif backend == "mps":
        torch.mps.synchronize()


@contextmanager
def cpu_threads(count: int | None) -> Iterator[None]:
    """Run the block on ``count`` CPU threads (``None``: leave the setting alone)."""
    before = torch.get_num_threads()
    torch.set_num_threads(count or before)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextmanager
def quiet_profiler_logs() -> Iterator[None]:
    """Drop the profiler's own log lines from stderr; let everything else through.

    Kineto writes its ``STAGE:``/``USDT:`` markers and warnings from C++ straight to file
    descriptor 2, which no Python setting reaches, so the descriptor is caught and filtered.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            text = caught.read().decode(errors="replace")
            kept = [line for line in text.splitlines(True) if not PROFILER_NOISE.match(line)]
            sys.stderr.write("".join(kept))


def share_by_library(rows: list[Row]) -> dict[str, float]:
    """Fraction of the profiled time each library took, largest first."""
    total = sum(row.self_us for row in rows) or 1.0
    shares: dict[str, float] = {}
    for row in rows:
        shares[row.library] = shares.get(row.library, 0.0) + row.self_us / total
    return dict(sorted(shares.items(), key=lambda item: item[1], reverse=True))
