"""Measure what a lesson claims: run time, memory training holds, and weight changes.

Every timed run goes through ``torch.utils.benchmark`` (it warms up, pins the thread count and
synchronises the GPU). Variants that are compared run interleaved, round after round, so that a
change in the machine's load hits them all alike; a verdict ("faster", "slower") needs at least
:data:`MIN_RUNS` runs of each and interquartile ranges that do not overlap, otherwise it is
"inconclusive" with its reason. The verdict is data: lessons print it in English, pages turn
its code into a sentence of the reader's language.
"""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils import benchmark

MIN_RUNS = 10  # timed runs per variant below which no verdict is given
THREADS = 1  # torch.utils.benchmark's default: the quietest choice on a shared machine


@dataclass(frozen=True)
class Timing:
    """Median and quartiles of one variant's time per call, in seconds, over ``runs`` runs."""

    label: str
    median: float
    q1: float
    q3: float
    runs: int
    calls_per_run: int

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    @classmethod
    def of(cls, label: str, measurement: benchmark.Measurement, calls_per_run: int) -> Timing:
        """The median and quartiles of a (merged) ``torch.utils.benchmark`` measurement."""
        times = measurement.times
        if len(times) > 1:
            q1, _, q3 = statistics.quantiles(times, n=4, method="inclusive")
        else:  # one run: no spread to speak of, and too few runs for any verdict
            q1 = q3 = times[0]
        return cls(label, measurement.median, q1, q3, len(times), calls_per_run)


@dataclass(frozen=True)
class Conditions:
    """How the timings were taken: the pinned thread count and how busy the machine was."""

    threads: int
    rounds: int
    load_average: float | None  # over the last minute; None where the system reports none
    cores: int

    @property
    def busy(self) -> bool:
        """A load average above the core count: other work competed with the timed runs."""
        return self.load_average is not None and self.load_average > self.cores

    @property
    def machine(self) -> str:
        """``busy``, ``quiet`` or ``unknown`` (no load average): what a page's prose follows."""
        if self.load_average is None:
            return "unknown"
        return "busy" if self.busy else "quiet"

    def summary(self) -> str:
        """One line on how the runs were taken, and a second one if the machine was busy."""
        load = "n/a" if self.load_average is None else f"{self.load_average:.2f}"
        threads = f"{self.threads} thread" + ("s" if self.threads != 1 else "")
        line = f"{threads}, {self.rounds} interleaved rounds, load average {load}"
        line += f" on {self.cores} cores"
        return line + ("\nmeasured on a busy machine" if self.busy else "")


@dataclass(frozen=True)
class Verdict:
    """How variant ``a`` compares with variant ``b``; ``code`` is what a page's prose follows.

    ``outcome`` is ``faster``, ``slower`` or ``inconclusive``; ``reason`` is ``apart`` (the
    interquartile ranges do not overlap), ``overlap``, ``busy`` (they overlap on a busy
    machine) or ``few-runs`` (fewer than :data:`MIN_RUNS` runs of a variant).
    """

    a: str
    b: str
    outcome: str
    reason: str
    ratio: float  # median time of a / median time of b
    runs: int

    @property
    def code(self) -> str:
        return self.outcome if self.reason == "apart" else f"{self.outcome}-{self.reason}"

    def sentence(self) -> str:
        """The verdict in English, as a lesson prints it."""
        if self.outcome != "inconclusive":
            return (
                f"{self.a} is {self.outcome} than {self.b}: {self.ratio:.2f}x, "
                f"IQRs apart ({self.runs} runs each)"
            )
        why = {
            "overlap": "IQRs overlap",
            "busy": "IQRs overlap, busy machine",
            "few-runs": f"fewer than {MIN_RUNS} runs each",
        }[self.reason]
        return f"{self.a} vs {self.b}: inconclusive on this machine ({why})"


def compare(a: Timing, b: Timing, busy: bool = False) -> Verdict:
    """A verdict the data supports: enough runs, and interquartile ranges that are apart."""
    runs = min(a.runs, b.runs)
    if runs < MIN_RUNS:
        outcome, reason = "inconclusive", "few-runs"
    elif a.q3 < b.q1:
        outcome, reason = "faster", "apart"
    elif b.q3 < a.q1:
        outcome, reason = "slower", "apart"
    else:
        outcome, reason = "inconclusive", "busy" if busy else "overlap"
    return Verdict(a.label, b.label, outcome, reason, a.median / b.median, runs)


@dataclass(frozen=True)
class InterleavedTimings:
    """Timings of variants measured in the same rounds, and the conditions they shared."""

    timings: dict[str, Timing]
    conditions: Conditions

    def __getitem__(self, label: str) -> Timing:
        return self.timings[label]

    def verdict(self, a: str, b: str) -> Verdict:
        return compare(self.timings[a], self.timings[b], self.conditions.busy)


def time_interleaved(
    variants: dict[str, Callable[[], object]],
    rounds: int = MIN_RUNS,
    block_seconds: float = 0.002,
    threads: int = THREADS,
) -> InterleavedTimings:
    """Time each variant ``rounds`` times, interleaved: A B C, B C A, C A B, ...

    Each run is one ``Timer.timeit`` block of as many calls as fill about ``block_seconds``
    (sized once per variant), so a short call is not drowned in timer overhead. Each round
    starts with the next variant, so no variant always runs first after a pause.
    """
    timers = {
        label: benchmark.Timer(stmt="fn()", globals={"fn": fn}, label=label, num_threads=threads)
        for label, fn in variants.items()
    }
    calls = {label: calls_per_block(timer, block_seconds) for label, timer in timers.items()}
    labels = list(timers)
    runs: dict[str, list[benchmark.Measurement]] = {label: [] for label in labels}
    for round_ in range(rounds):
        shift = round_ % len(labels)
        for label in labels[shift:] + labels[:shift]:
            runs[label].append(timers[label].timeit(calls[label]))
    conditions = Conditions(threads, rounds, load_average(), os.cpu_count() or 1)
    timings = {
        label: Timing.of(label, benchmark.Measurement.merge(runs[label])[0], calls[label])
        for label in labels
    }
    return InterleavedTimings(timings, conditions)


def calls_per_block(timer: benchmark.Timer, block_seconds: float) -> int:
    """How many calls fill ``block_seconds``, judged by the quickest of three warmed-up calls."""
    one_call = min(timer.timeit(1).median for _ in range(3))
    return max(1, math.ceil(block_seconds / one_call))


def load_average() -> float | None:
    """The system's load average over the last minute, where the system reports one."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows has none
        return None


# Plots on a transparent background, in a grey and colours readable on light and dark pages
# alike: each has a contrast of at least 3:1 against white and against the theme's dark
# background (the page marks the image ``dark-light`` so the theme leaves it transparent).
PLOT_COLOURS = ("#808080", "#3d85c6", "#c8700c")
PLOT_STYLE = {
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.transparent": True,
    "legend.framealpha": 0,
    **dict.fromkeys(
        ("text.color", "axes.labelcolor", "axes.edgecolor", "xtick.color", "ytick.color"),
        PLOT_COLOURS[0],
    ),
    "grid.color": PLOT_COLOURS[0],
}


def error_bars(timings: list[Timing], scale: float = 1e3) -> list[list[float]]:
    """Distances from each median down to Q1 and up to Q3, scaled: matplotlib's ``yerr``."""
    return [
        [(t.median - t.q1) * scale for t in timings],
        [(t.q3 - t.median) * scale for t in timings],
    ]


@dataclass(frozen=True)
class SavedForBackward:
    """Bytes autograd keeps for the backward pass, split by what inference holds anyway."""

    activations: int  # tensors the forward pass made and kept only because backward needs them
    held_anyway: int  # weights and inputs, which an inference call holds as well

    @property
    def total(self) -> int:
        return self.activations + self.held_anyway


def saved_for_backward(fn: Callable[[], object], held: Iterable[torch.Tensor]) -> SavedForBackward:
    """What autograd keeps while ``fn()`` runs, with the storages of ``held`` counted apart.

    Counted through ``saved_tensors_hooks``: every tensor autograd saves for the backward pass
    passes through the pack hook. Storages saved twice (a weight used by two ops) count once.
    """
    held_storages = {tensor.untyped_storage().data_ptr() for tensor in held}
    storages: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        fn()
    held_bytes = sum(size for ptr, size in storages.items() if ptr in held_storages)
    return SavedForBackward(sum(storages.values()) - held_bytes, held_bytes)


def gradient_bytes(parameters: Iterable[torch.Tensor]) -> int:
    """Bytes of the gradients the backward pass left in the parameters' ``.grad``."""
    return sum(p.grad.nbytes for p in parameters if p.grad is not None)


@dataclass(frozen=True)
class OptimizerState:
    """Bytes an optimizer keeps from one step to the next, for the parameters it updates."""

    per_weight: int  # state shaped like its parameter: a momentum buffer, Adam's two averages
    other: int  # the rest, such as Adam's step count (one small tensor per parameter)
    parameters: int  # bytes of the parameters themselves

    @property
    def total(self) -> int:
        return self.per_weight + self.other

    @property
    def values_per_weight(self) -> float:
        """How many values the optimizer keeps for each weight: 0 (SGD), 1 (momentum), 2 (Adam)."""
        return self.per_weight / self.parameters


def optimizer_state(optimizer: torch.optim.Optimizer) -> OptimizerState:
    """What ``optimizer.state`` holds now; an optimizer fills it on its first ``step()``."""
    per_weight = other = 0
    for parameter, state in optimizer.state.items():
        for value in state.values():
            if not isinstance(value, torch.Tensor):
                continue
            if value.shape == parameter.shape:
                per_weight += value.nbytes
            else:
                other += value.nbytes
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    return OptimizerState(per_weight, other, sum(p.nbytes for p in parameters))


def snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    """A detached copy of every parameter, to compare against after the model ran."""
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def changed_parameters(before: dict[str, torch.Tensor], model: nn.Module) -> list[str]:
    """Names of the parameters whose values differ from ``before``."""
    return [
        name for name, p in model.named_parameters() if not torch.equal(before[name], p.detach())
    ]
