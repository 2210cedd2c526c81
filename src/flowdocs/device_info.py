"""What a lesson ran on, as the one line every lesson prints first.

Kept apart from ``flowdocs.device``, which imports torch: the docs' run-it-yourself tabs write
the same line for machines they have never seen, without loading torch into every Sphinx build.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceInfo:
    """What a lesson ran on, in the terms a reader can check."""

    device: str
    backend: str
    name: str
    arch: str | None
    runtime: str | None
    torch: str

    def summary(self) -> str:
        """One line for a lesson's output: device string, backend, hardware, versions."""
        label = {"rocm": "ROCm GPU", "cuda": "CUDA GPU", "mps": "Apple GPU (MPS)", "cpu": "CPU"}
        parts = [f"{label[self.backend]} {self.name}".strip()]
        parts += [p for p in (self.arch, self.runtime) if p]
        parts.append(f"torch {self.torch}")
        line = f'device = "{self.device}" ({", ".join(parts)})'
        if self.backend == "rocm":
            line += '; PyTorch for ROCm calls AMD GPUs "cuda", and the work runs through HIP'
        return line
