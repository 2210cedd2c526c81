"""Measure what a lesson claims: run time, memory kept for backward, and weight changes.

Timings go through ``torch.utils.benchmark``, which warms up, picks how many calls to time
together and synchronises GPUs, so a number here is a median over real repeated runs.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils import benchmark


@dataclass(frozen=True)
class Timing:
    """Median and spread of one operation's time, in seconds per call."""

    label: str
    median: float
    q1: float
    q3: float
    runs: int
    calls_per_run: int

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1


def time_call(fn: Callable[[], object], label: str, min_run_time: float = 0.2) -> Timing:
    """Time ``fn()`` with ``torch.utils.benchmark`` for at least ``min_run_time`` seconds."""
    measurement = benchmark.Timer(
        stmt="fn()", globals={"fn": fn}, label=label, num_threads=torch.get_num_threads()
    ).blocked_autorange(min_run_time=min_run_time)
    times = measurement.times
    if len(times) > 1:
        q1, _, q3 = statistics.quantiles(times, n=4, method="inclusive")
    else:
        q1 = q3 = times[0]
    return Timing(label, measurement.median, q1, q3, len(times), measurement.number_per_run)


def error_bars(timings: list[Timing], scale: float = 1e3) -> list[list[float]]:
    """Distances from each median down to Q1 and up to Q3, scaled: matplotlib's ``yerr``."""
    return [
        [(t.median - t.q1) * scale for t in timings],
        [(t.q3 - t.median) * scale for t in timings],
    ]


def compare(a: Timing, b: Timing) -> str:
    """A verdict the data supports: "faster" only when the two interquartile ranges are apart."""
    if a.q3 < b.q1:
        return f"{a.label} is faster than {b.label}"
    if b.q3 < a.q1:
        return f"{b.label} is faster than {a.label}"
    return f"{a.label} vs {b.label}: no measurable difference on this machine"


def bytes_saved_for_backward(fn: Callable[[], object]) -> int:
    """Bytes of distinct tensor storage autograd keeps while ``fn()`` runs.

    Counted through ``saved_tensors_hooks``: every tensor autograd saves for the backward pass
    passes through the pack hook. Storages saved twice (a weight used by two ops) count once.
    """
    storages: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        fn()
    return sum(storages.values())


def snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    """A detached copy of every parameter, to compare against after the model ran."""
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def changed_parameters(before: dict[str, torch.Tensor], model: nn.Module) -> list[str]:
    """Names of the parameters whose values differ from ``before``."""
    return [
        name for name, p in model.named_parameters() if not torch.equal(before[name], p.detach())
    ]
