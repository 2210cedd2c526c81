"""How much memory a page took, measured inside the kernel that runs it.

The build's hidden cells call :func:`reset` before a page and :func:`peak` after it (see
``flowdocs.build.execute``). Pages share one warm kernel, so a peak that lives as long as the
process would carry the largest page over to every page after it: each page's peak is reset first,
and where that cannot be done the kind says so. What is measured depends on where the page ran:

- ``gpu-peak``: ``torch.cuda.max_memory_allocated()``, the peak of the tensors PyTorch's
  allocator handed out on the GPU (ROCm and CUDA alike), reset by ``reset_peak_memory_stats()``;
- ``mps-after``: ``torch.mps.driver_allocated_memory()`` once the page ended; MPS keeps no peak;
- ``rss-peak``: the process's peak resident memory (``VmHWM``), reset through
  ``/proc/self/clear_refs`` (Linux);
- ``rss-peak-since-start``: ``ru_maxrss`` where no reset is possible (macOS): the kernel's peak
  since it started, which an earlier page may have set.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import resource
except ImportError:  # Windows
    resource = None

KINDS = ("gpu-peak", "mps-after", "rss-peak", "rss-peak-since-start")
CLEAR_REFS = Path("/proc/self/clear_refs")
STATUS = Path("/proc/self/status")
RESET_PEAK_RSS = "5"  # proc(5): reset the peak resident set size
_rss_reset = False  # whether the last reset reached the kernel's peak resident memory


def reset(backend: str) -> None:
    """Start a page's peak afresh; ``backend`` is where its tensors live (rocm, cuda, mps, cpu)."""
    global _rss_reset
    if backend in ("rocm", "cuda"):
        sys.modules["torch"].cuda.reset_peak_memory_stats()
        return
    try:
        CLEAR_REFS.write_text(RESET_PEAK_RSS)
        _rss_reset = True
    except OSError:
        _rss_reset = False


def peak(backend: str) -> dict | None:
    """The page's memory in bytes and what kind of memory that is (one of :data:`KINDS`);
    None where none of them can be read."""
    if backend in ("rocm", "cuda"):
        return {"bytes": sys.modules["torch"].cuda.max_memory_allocated(), "kind": "gpu-peak"}
    if backend == "mps":
        return {"bytes": sys.modules["torch"].mps.driver_allocated_memory(), "kind": "mps-after"}
    if _rss_reset:
        for line in STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return {"bytes": int(line.split()[1]) * 1024, "kind": "rss-peak"}  # in kB
    if resource is None:
        return None
    most = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, kilobytes elsewhere
    return {"bytes": most * scale, "kind": "rss-peak-since-start"}
