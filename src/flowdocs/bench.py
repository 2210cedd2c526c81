"""Benchmarks: every example at full size, and the speed targets, written to one JSON file.

Speed and memory targets live here, not in the unit tests: a timed unit test on a shared
2-core machine fails for reasons that have nothing to do with the code.

Usage: ``python -m flowdocs.bench [--examples examples] [--out build/bench.json]``
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from flowdocs.device import describe, pick_device

# Each example's quick mode, run standalone, may take this many seconds beyond `import torch`.
STANDALONE_BUDGET_S = {
    "inference_flow": 2.0,
    "training_flow": 2.0,
    "autograd_modes": 2.0,
    "who_does_the_work": 3.0,
    "kv_cache": 3.0,
}

# What the full-size run must show: example -> (claim, test on its result as JSON data).
CLAIMS = {
    "kv_cache": (
        "the cached step is faster per token at the largest position",
        lambda result: result["verdict_at_largest"] == "with cache is faster than without cache",
    ),
}


def wall_time(command: list[str], repeats: int = 3) -> float:
    """Median wall-clock seconds of running ``command`` to completion."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def full_results(name: str) -> dict:
    """The example's returned result at full size, as plain JSON data."""
    module = importlib.import_module(name)
    return dataclasses.asdict(module.main(quick=False))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m flowdocs.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--examples", type=Path, default=Path("examples"))
    parser.add_argument("--out", type=Path, default=Path("build/bench.json"))
    args = parser.parse_args(argv)
    missing = [name for name in STANDALONE_BUDGET_S if not (args.examples / f"{name}.py").is_file()]
    if missing:
        parser.error(f"{args.examples} lacks {', '.join(missing)}")
    sys.path.insert(0, str(args.examples.resolve()))
    report = {"device": dataclasses.asdict(describe(pick_device())), "examples": {}}
    failures = []
    import_torch = wall_time([sys.executable, "-c", "import torch"])
    for name, budget in STANDALONE_BUDGET_S.items():
        # Seconds a quick standalone run takes beyond a bare `import torch`.
        overhead = wall_time([sys.executable, str(args.examples / f"{name}.py")]) - import_torch
        full = full_results(name)
        entry = report["examples"][name] = {
            "standalone_seconds_beyond_import_torch": overhead,
            "budget_seconds": budget,
            "within_budget": overhead <= budget,
            "full": full,
        }
        print(f"{name}: {overhead:.2f} s beyond import torch (budget {budget} s)", flush=True)
        if not entry["within_budget"]:
            failures.append(f"{name} took {overhead:.2f} s beyond import torch (budget {budget} s)")
        if name in CLAIMS:
            claim, holds = CLAIMS[name]
            entry["claim"], entry["claim_holds"] = claim, holds(full)
            print(f"{name}: {claim}: {entry['claim_holds']}", flush=True)
            if not entry["claim_holds"]:
                failures.append(f"{name}: not shown: {claim}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"flowdocs.bench: results in {args.out}")
    if failures:
        raise SystemExit("flowdocs.bench: " + "; ".join(failures))


if __name__ == "__main__":
    main()
