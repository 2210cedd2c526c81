"""Fake torch surfaces: the GPU-only code of the lessons and the library runs in tests here.

No test machine has a GPU, and none has a ROCm or an older torch, so each surface below sets the
attributes that code reads on the torch that is installed (pytest's ``monkeypatch`` undoes them
after each test): which GPU runtime torch was built for, the device's properties, the
architectures the wheel carries, the BLAS preference and MIOpen's flag, where that torch has
them. ``None`` means "not in this torch": the attribute is removed, as an older release lacks it.
The arch lists and device properties are shaped like those published by people who ran them.

A test takes the ``fake_torch`` fixture and calls it with a surface (a name from
:data:`SURFACES`, or a :class:`Surface`); :data:`GPU_SURFACES` lists the names for
``pytest.mark.parametrize``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import SimpleNamespace

import pytest
import torch

# torch.cuda.get_arch_list() as published by people who ran these wheels:
# 2.13.0+rocm7.2 on a Radeon 8060S, a ROCm 6.4 nightly on gfx1151, 2.13.0+cu130, 2.10.0+cu128.
ROCM_7_2 = [
    "gfx900", "gfx906", "gfx908", "gfx90a", "gfx942", "gfx1030", "gfx1100", "gfx1101", "gfx1102",
    "gfx1103", "gfx1200", "gfx1201", "gfx950", "gfx1150", "gfx1151",
]  # fmt: skip
ROCM_6_4 = [
    "gfx900", "gfx906", "gfx908", "gfx90a", "gfx942", "gfx1030", "gfx1100", "gfx1101", "gfx1102",
    "gfx1200", "gfx1201",
]  # fmt: skip
CU130 = ["sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120"]
CU128 = ["sm_70", "sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120"]

MISSING = "missing"  # MiopenFlag: torch.backends.miopen is there, without `immediate`


@dataclass(frozen=True)
class Surface:
    """What one torch on one machine shows the code; ``None`` fields are not in that torch.

    ``immediate`` is ``torch.backends.miopen.immediate``: a bool, :data:`MISSING` (the module
    without the flag) or ``None`` (no ``torch.backends.miopen`` at all, as before PyTorch PR
    #158951, merged 2025-07-25). ``blas`` is the name ``preferred_blas_library()`` returns.
    """

    version: str
    hip: str | None = None
    cuda: str | None = None
    arch_list: tuple[str, ...] = ()
    blas: str | None = "Cublas"
    immediate: bool | str | None = None
    props: dict = field(default_factory=dict)
    mps: bool = False
    allocated: int = 0  # bytes: the GPU allocator's peak until reset, or MPS's driver allocation

    @property
    def gpu(self) -> bool:
        return bool(self.hip or self.cuda)

    def but(self, **changes) -> Surface:
        """This surface with some fields changed: one torch release older, another GPU, ..."""
        return replace(self, **changes)


MI300X = {"name": "AMD Instinct MI300X", "gcnArchName": "gfx942:sramecc+:xnack-"}
SURFACES = {
    # A current ROCm wheel on an Instinct GPU: hipBLASLt preferred, MIOpen's flag present.
    "rocm": Surface(
        "2.13.0+rocm7.2", hip="7.2.53211", arch_list=tuple(ROCM_7_2), blas="Cublaslt",
        immediate=False, props=MI300X,
    ),
    # An older rocm/pytorch image's torch: no torch.backends.miopen, a shorter arch list, and a
    # Radeon GPU that list leaves out.
    "rocm-older": Surface(
        "2.8.0+rocm6.4", hip="6.4.43482", arch_list=tuple(ROCM_6_4), blas="Cublas",
        props={"name": "AMD Radeon 8060S", "gcnArchName": "gfx1151"},
    ),
    # Older still: no torch.backends.cuda.preferred_blas_library either.
    "rocm-no-blas-choice": Surface(
        "2.3.0+rocm6.0", hip="6.0.32830", arch_list=tuple(ROCM_6_4), blas=None, props=MI300X
    ),
    "cuda": Surface(
        "2.13.0+cu130", cuda="13.0", arch_list=tuple(CU130),
        props={"name": "NVIDIA H100 80GB HBM3", "major": 9, "minor": 0},
    ),
    "mps": Surface("2.13.0", mps=True),
}  # fmt: skip
GPU_SURFACES = [name for name, surface in SURFACES.items() if surface.gpu]


def install(monkeypatch: pytest.MonkeyPatch, surface: Surface | str) -> Surface:
    """Make the installed torch look like ``surface`` until the test ends."""
    surface = SURFACES[surface] if isinstance(surface, str) else surface
    monkeypatch.setattr(torch, "__version__", surface.version)
    monkeypatch.setattr(torch.version, "hip", surface.hip)
    monkeypatch.setattr(torch.version, "cuda", surface.cuda)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: surface.gpu)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: None)
    monkeypatch.setattr(
        torch.cuda, "get_device_properties", lambda device=None: SimpleNamespace(**surface.props)
    )
    monkeypatch.setattr(torch.cuda, "get_arch_list", lambda: list(surface.arch_list))
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: surface.mps)
    monkeypatch.setattr(torch.mps, "synchronize", lambda: None)
    peak = {"bytes": surface.allocated}
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda device=None: peak["bytes"])
    monkeypatch.setattr(
        torch.cuda, "reset_peak_memory_stats", lambda device=None: peak.update(bytes=0)
    )
    monkeypatch.setattr(torch.mps, "driver_allocated_memory", lambda: surface.allocated)
    if surface.blas is None:
        monkeypatch.delattr(torch.backends.cuda, "preferred_blas_library")
    else:
        preferred = SimpleNamespace(name=surface.blas)  # like torch._C._BlasBackend.Cublaslt
        monkeypatch.setattr(torch.backends.cuda, "preferred_blas_library", lambda: preferred)
    if surface.immediate is None:
        # torch.backends is a module wrapper: the name lives on it and on the module it wraps.
        monkeypatch.delattr(torch.backends, "miopen")
        monkeypatch.delattr(torch.backends.m, "miopen")
    elif surface.immediate == MISSING:
        monkeypatch.setattr(torch.backends, "miopen", SimpleNamespace())
    else:
        monkeypatch.setattr(torch.backends, "miopen", SimpleNamespace(immediate=surface.immediate))
    return surface


@pytest.fixture
def fake_torch(monkeypatch):
    """``fake_torch(surface)``: the installed torch looks like ``surface`` for this test."""
    return lambda surface: install(monkeypatch, surface)
