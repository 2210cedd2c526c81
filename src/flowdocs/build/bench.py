"""Benchmarks: the examples' speed targets, flowdocs.measure against torch.utils.benchmark,
and what the full-size runs must show, written to one JSON file.

Speed targets live here, not in the unit tests: a timed unit test on a shared machine fails
for reasons that have nothing to do with the code. They hold only on a quiet machine, so a run
whose load average exceeded the core count fails, saying so, whatever it measured.

Usage: ``python -m flowdocs.build.bench [--examples examples] [--out build/bench.json]``
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from torch.utils import benchmark

from flowdocs.device import describe, pick_device
from flowdocs.measure import THREADS, load_average, time_interleaved

EXAMPLES = ("inference_flow", "training_flow", "autograd_modes", "who_does_the_work", "kv_cache")
# Each example's quick mode, run standalone, may take this many seconds beyond `import torch`.
STANDALONE_BUDGET_S = dict.fromkeys(EXAMPLES, 1.5)

# The variants a lesson times, made by the lesson itself: example -> (module, device) -> variants.
TIMED_VARIANTS = {
    "autograd_modes": lambda lesson, device: lesson.mode_variants(device),
    "training_flow": lambda lesson, device: lesson.cost_variants(
        *lesson.larger_mlp(device, quick=True)[1:]
    ),
    "kv_cache": lambda lesson, device: lesson.step_variants(
        lesson.TinyDecoder().to(device).eval(), 256, device
    ),
}
AGREEMENT = 0.15  # flowdocs.measure's median within 15% of torch.utils.benchmark's own

# What the full-size run must show: example -> (claim, test on its result as JSON data).
CLAIMS = {
    "kv_cache": (
        "the cached step is faster per token at the largest position",
        lambda result: result["verdict_at_largest"]["outcome"] == "faster",
    ),
}


def wall_time(command: list[str]) -> float:
    """Wall-clock seconds of running ``command`` once to completion."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def standalone_runs(examples: Path, rounds: int = 5) -> dict:
    """Each example's quick mode run alone, as a learner runs it, against a bare ``import torch``.

    Interleaved: every round runs the bare import, then each example, so that a change in the
    machine's load lands on both sides of a round's difference; each example's seconds beyond
    ``import torch`` is the median of those differences. Each round also imports TorchDynamo,
    which torch.optim loads on an optimizer's first use, to show how much of an optimizer
    lesson's time is torch's own rather than the lesson's.
    """
    baselines = {
        "import torch": [sys.executable, "-c", "import torch"],
        "import torch._dynamo": [sys.executable, "-c", "import torch, torch._dynamo"],
    }
    commands = baselines | {
        name: [sys.executable, str(examples / f"{name}.py")] for name in EXAMPLES
    }
    runs: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(rounds):
        for label, command in commands.items():
            runs[label].append(wall_time(command))
    baseline, dynamo = runs.pop("import torch"), runs.pop("import torch._dynamo")

    def beyond_baseline(times: list[float]) -> float:
        return statistics.median(t - b for t, b in zip(times, baseline, strict=True))

    return {
        "import_torch_s": statistics.median(baseline),
        "torch_dynamo_beyond_import_torch_s": beyond_baseline(dynamo),
        "standalone_s": {name: statistics.median(times) for name, times in runs.items()},
        "beyond_import_torch_s": {name: beyond_baseline(times) for name, times in runs.items()},
    }


def dynamo_line(runs: dict) -> str:
    """How much of an optimizer lesson's time is torch's own, printed beside the examples'."""
    seconds = runs["torch_dynamo_beyond_import_torch_s"]
    label = "torch._dynamo (torch.optim imports it on first use) beyond import torch"
    return f"{label}: {seconds:.2f} s"


def full_results(name: str) -> dict:
    """The example's returned result at full size, as plain JSON data."""
    return dataclasses.asdict(importlib.import_module(name).main(quick=False))


def agreement(name: str, device) -> dict[str, dict[str, float]]:
    """Each timed variant's median from flowdocs.measure and from torch.utils.benchmark alone."""
    variants = TIMED_VARIANTS[name](importlib.import_module(name), device)
    ours = time_interleaved(variants, rounds=20, block_seconds=0.01)
    rows = {}
    for label, fn in variants.items():
        timer = benchmark.Timer(stmt="fn()", globals={"fn": fn}, num_threads=THREADS)
        theirs = timer.blocked_autorange(min_run_time=1.0).median
        rows[label] = {
            "flowdocs_measure_s": ours[label].median,
            "torch_benchmark_s": theirs,
            "relative_difference": abs(ours[label].median - theirs) / theirs,
        }
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m flowdocs.build.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--examples", type=Path, default=Path("examples"))
    parser.add_argument("--out", type=Path, default=Path("build/bench.json"))
    args = parser.parse_args(argv)
    missing = [name for name in EXAMPLES if not (args.examples / f"{name}.py").is_file()]
    if missing:
        parser.error(f"{args.examples} lacks {', '.join(missing)}")
    sys.path.insert(0, str(args.examples.resolve()))
    device = pick_device()
    cores = os.cpu_count() or 1
    report = {"device": dataclasses.asdict(describe(device)), "cores": cores, "examples": {}}
    loads = [load_average()]
    failures = []
    runs = standalone_runs(args.examples)
    beyond_import_torch = runs["beyond_import_torch_s"]
    report["torch_dynamo_beyond_import_torch_s"] = runs["torch_dynamo_beyond_import_torch_s"]
    print(dynamo_line(runs), flush=True)
    for name in EXAMPLES:
        overhead = beyond_import_torch[name]
        budget = STANDALONE_BUDGET_S[name]
        entry = report["examples"][name] = {
            "standalone_seconds_beyond_import_torch": overhead,
            "budget_seconds": budget,
            "within_budget": overhead <= budget,
            "full": full_results(name),
        }
        print(f"{name}: {overhead:.2f} s beyond import torch (budget {budget} s)", flush=True)
        if not entry["within_budget"]:
            failures.append(f"{name} took {overhead:.2f} s beyond import torch (budget {budget} s)")
        if name in TIMED_VARIANTS:
            entry["agreement"] = agreement(name, device)
            for label, row in entry["agreement"].items():
                difference = row["relative_difference"]
                print(f"{name}: {label}: medians {difference:.1%} apart", flush=True)
                if difference > AGREEMENT:
                    failures.append(
                        f"{name}: {label}: flowdocs.measure and torch.utils.benchmark "
                        f"{difference:.1%} apart (at most {AGREEMENT:.0%})"
                    )
        if name in CLAIMS:
            claim, holds = CLAIMS[name]
            entry["claim"], entry["claim_holds"] = claim, holds(entry["full"])
            print(f"{name}: {claim}: {entry['claim_holds']}", flush=True)
            if not entry["claim_holds"]:
                failures.append(f"{name}: not shown: {claim}")
    loads.append(load_average())
    report["load_average"] = loads
    report["busy"] = any(load is not None and load > cores for load in loads)
    if report["busy"]:
        failures.insert(
            0,
            f"the machine was busy (load average {max(filter(None, loads)):.2f} on {cores} "
            "cores): the timing targets need a quiet machine",
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"flowdocs.build.bench: results in {args.out}")
    if failures:
        raise SystemExit("flowdocs.build.bench: " + "; ".join(failures))


if __name__ == "__main__":
    main()
