"""Pick the device a lesson runs on, and say plainly what that device is.

PyTorch built for ROCm reuses the CUDA API: an AMD GPU is the device ``"cuda"``. The
description therefore reports the *backend* (``rocm``, ``cuda``, ``mps``, ``cpu``) next to the
device string, so a reader never mistakes a ROCm run for an NVIDIA one.
"""

from __future__ import annotations

import os
import platform
import re
from dataclasses import dataclass

import torch

from flowdocs.cli import CHOICES, DEVICE_ENV  # defined there, so --help needs no torch
from flowdocs.device_info import DeviceInfo


class DeviceUnavailable(RuntimeError):
    """The requested device does not exist on this machine or in this PyTorch build."""


def pick_device(requested: str = "auto") -> torch.device:
    """Resolve ``auto|cpu|cuda|mps`` to a device; ``auto`` honours ``$FLOWDOCS_DEVICE`` first.

    ``auto`` prefers a ROCm or CUDA GPU, then Apple's MPS, then the CPU. An explicit request
    for a device this machine lacks raises :class:`DeviceUnavailable` with a one-line reason.
    """
    source = "--device"
    if requested == "auto" and os.environ.get(DEVICE_ENV):
        requested, source = os.environ[DEVICE_ENV], f"${DEVICE_ENV}"
    if requested == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(requested)
    except RuntimeError:
        device = None
    if device is None or device.type not in ("cpu", "cuda", "mps"):
        raise DeviceUnavailable(
            f"{source} {requested}: unknown device; choose one of {', '.join(CHOICES)}"
        )
    if device.type == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable(
            f"{source} {requested}: no ROCm or CUDA GPU is visible to this PyTorch "
            f"(torch {torch.__version__}); choose auto or cpu"
        )
    if device.type == "mps" and not _mps_available():
        raise DeviceUnavailable(
            f"{source} {requested}: Apple's MPS is not available here; choose auto or cpu"
        )
    return device


def backend_of(device: torch.device) -> str:
    """``rocm`` or ``cuda`` for a GPU (from how torch was built), else the device type."""
    if device.type == "cuda":
        return "rocm" if torch.version.hip else "cuda"
    return device.type


def describe(device: torch.device) -> DeviceInfo:
    """Name, architecture and runtime of ``device``, read from torch rather than assumed."""
    backend = backend_of(device)
    name, arch, runtime = platform.machine(), None, None
    if backend in ("rocm", "cuda"):
        props = torch.cuda.get_device_properties(device)
        name = props.name
        if backend == "rocm":
            # e.g. 'gfx942:sramecc+:xnack-': the part before the first colon is the ISA.
            arch = props.gcnArchName.split(":")[0]
            runtime = f"HIP {torch.version.hip}"
        else:
            arch = f"sm_{props.major}{props.minor}"
            runtime = f"CUDA {torch.version.cuda}"
    elif backend == "mps":
        name = f"macOS {platform.mac_ver()[0]}".strip()
    else:
        name = f"{platform.machine()}, {torch.get_num_threads()} threads"
    index = device.index if device.index is not None else 0
    device_string = f"cuda:{index}" if device.type == "cuda" else device.type
    return DeviceInfo(device_string, backend, name, arch, runtime, torch.__version__)


# torch.backends.cuda.preferred_blas_library() names the libraries by their CUDA names;
# on ROCm the same values select AMD's libraries.
BLAS_LIBRARIES = {
    "rocm": {"Cublas": "rocBLAS", "Cublaslt": "hipBLASLt", "Ck": "composable_kernel (CK)"},
    "cuda": {"Cublas": "cuBLAS", "Cublaslt": "cuBLASLt"},
}
OLD_AMD_GPU = "gfx900"


@dataclass(frozen=True)
class ArchSupport:
    """Whether this torch carries GPU code for the device's architecture, and its BLAS choice."""

    backend: str
    arch: str
    compiled: tuple[str, ...]
    blas: str | None  # None: this torch has no torch.backends.cuda.preferred_blas_library()

    @property
    def compiled_for(self) -> bool:
        """The architecture is in ``torch.cuda.get_arch_list()``."""
        return self.arch in self.compiled

    def same_major(self) -> list[str]:
        """Compiled ``sm_`` targets this GPU runs (same major, no newer minor), oldest first."""
        if self.backend != "cuda":
            return []
        major, minor = divmod(int(self.arch[3:]), 10)
        versions = {t: divmod(int(t[3:]), 10) for t in self.compiled if re.fullmatch(r"sm_\d+", t)}
        runs = [target for target, (m, n) in versions.items() if m == major and n <= minor]
        return sorted(runs, key=versions.__getitem__)

    def lines(self) -> list[str]:
        """What the lesson prints: the check on this device, and what an older GPU gets."""
        library = BLAS_LIBRARIES[self.backend].get(self.blas, self.blas)
        found = [
            f"{self.arch} in torch.cuda.get_arch_list(): {self.compiled_for}"
            f" (this torch has GPU code for {' '.join(self.compiled) or 'no architecture'})",
            f"torch.backends.cuda.preferred_blas_library() = {self.blas}: {library} runs the GEMMs"
            if self.blas
            else "torch.backends.cuda.preferred_blas_library() is not in this torch",
        ]
        if self.backend == "rocm":
            old = OLD_AMD_GPU in self.compiled
            found.append(
                f"{OLD_AMD_GPU} in torch.cuda.get_arch_list(): {old}; on such an older AMD GPU"
                " PyTorch does not use hipBLASLt (GEMMs go to rocBLAS), and MIOpen has fewer"
                " convolution solvers (none that need matrix cores)"
            )
        elif not self.compiled_for:
            runs = self.same_major()
            found.append(
                f"no exact match: {runs[-1]} code runs on {self.arch} (same major version)"
                if runs
                else f"no code for {self.arch} or its major version: kernels cannot launch there"
            )
        return found


def arch_support(info: DeviceInfo) -> ArchSupport | None:
    """The architecture check for a ROCm or CUDA device; None elsewhere (no GPU arch to check)."""
    if info.backend not in BLAS_LIBRARIES or info.arch is None:
        return None
    compiled = tuple(torch.cuda.get_arch_list())
    preferred = getattr(torch.backends.cuda, "preferred_blas_library", None)
    blas = preferred().name if preferred else None
    return ArchSupport(info.backend, info.arch, compiled, blas)


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps and mps.is_available())
