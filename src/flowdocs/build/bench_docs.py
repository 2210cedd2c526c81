"""What building costs: rebuilds, cold builds, executions and a fresh set-up, against targets.

Each measurement runs in a fresh copy of the project (as a clone has it), and compares like
with like on the same machine, so most targets are ratios in which the machine's speed cancels
out. A run on a busy machine (load average above the cores) fails, saying so: its numbers
measure the neighbours.

Usage: ``python -m flowdocs.build.bench_docs [--out build/bench-docs.json] [--no-setup]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flowdocs.build.bench import STANDALONE_BUDGET_S, dynamo_line, standalone_runs
from flowdocs.measure import load_average

ROOT = Path(__file__).resolve().parents[3]
TARGETS = {  # each measure's upper bound
    "rebuild_nothing_changed_s": 3.0,
    "cold_all_languages_over_english": 1.1,
    "executions_over_standalone_scripts": 0.8,
    "slowest_example_beyond_import_torch_s": max(STANDALONE_BUDGET_S.values()),
    "fresh_setup_and_build_s": 60.0,
}
ROUNDS = 3  # cold builds, interleaved all / English / executions: one slow round moves no median


def fresh_copy(root: Path, target: Path) -> Path:
    """Copy the files a fresh clone of ``root`` has (tracked, or new and not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = root / name
        if source.is_file():  # a file deleted in the work tree is still listed
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def timed(command: list[str], cwd: Path, env: dict | None = None) -> tuple[float, str]:
    """Wall seconds and log of one command, which must succeed."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(
            f"flowdocs.build.bench_docs: {' '.join(command)} failed in {cwd}:\n"
            + (done.stdout + done.stderr)[-3000:]
        )
    return seconds, done.stdout + done.stderr


def cold_builds(scratch: Path) -> dict:
    """Cold builds of all languages, of English alone, and of the outputs alone, interleaved."""
    kinds = {
        "all": ["flowdocs.build.site"],
        "en": ["flowdocs.build.site", "--language", "en"],
        "executions": ["flowdocs.build.outputs"],  # every page executed, no Sphinx
    }
    seconds: dict[str, list[float]] = {kind: [] for kind in kinds}
    for round_number in range(ROUNDS):
        for kind, command in kinds.items():
            project = fresh_copy(ROOT, scratch / f"cold-{kind}-{round_number}")
            seconds[kind].append(timed([sys.executable, "-m", *command], project)[0])
    return {
        "cold_all_s": seconds["all"],
        "cold_english_s": seconds["en"],
        "executions_s": seconds["executions"],
        "cold_all_languages_over_english": statistics.median(seconds["all"])
        / statistics.median(seconds["en"]),
    }


def rebuild(scratch: Path) -> dict:
    project = fresh_copy(ROOT, scratch / "rebuild")
    command = [sys.executable, "-m", "flowdocs.build.site"]
    timed(command, project)
    times = [timed(command, project)[0] for _ in range(3)]
    return {"rebuild_s": times, "rebuild_nothing_changed_s": statistics.median(times)}


def standalone(project: Path) -> dict:
    """Each example run alone, as a learner runs them, beside a bare ``import torch``."""
    runs = standalone_runs(project / "examples")
    return runs | {
        "slowest_example_beyond_import_torch_s": max(runs["beyond_import_torch_s"].values())
    }


def fresh_setup(scratch: Path) -> dict:
    """The README's ``nox -s docs`` on a fresh copy: environment, install and whole build."""
    project = fresh_copy(ROOT, scratch / "setup")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "NOX_SESSION")}
    took, _ = timed([sys.executable, "-m", "nox", "-s", "docs"], project, env)
    return {"fresh_setup_and_build_s": took}


def verdicts(results: dict) -> list[dict]:
    rows = []
    for name, limit in TARGETS.items():
        if name in results:
            value = results[name]
            rows.append({"measure": name, "value": value, "target": limit, "met": value <= limit})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m flowdocs.build.bench_docs", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", type=Path, default=Path("build/bench-docs.json"))
    parser.add_argument(
        "--no-setup", action="store_true", help="skip the fresh set-up (it needs nox's packages)"
    )
    args = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    loads = [load_average()]
    results: dict = {"cores": cores}
    with tempfile.TemporaryDirectory(prefix="flowdocs-bench-docs-") as folder:
        scratch = Path(folder)
        results |= rebuild(scratch)
        results |= cold_builds(scratch)
        results |= standalone(scratch / "rebuild")
        results["executions_over_standalone_scripts"] = statistics.median(
            results["executions_s"]
        ) / sum(results["standalone_s"].values())
        if not args.no_setup:
            results |= fresh_setup(scratch)
    loads.append(load_average())
    results["load_average"] = loads
    results["busy"] = any(load is not None and load > cores for load in loads)
    results["targets"] = verdicts(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"{'measure':<40} {'value':>8} {'target':>8}  met")
    for row in results["targets"]:
        met = "yes" if row["met"] else "NO"
        print(f"{row['measure']:<40} {row['value']:>8.2f} {row['target']:>8.2f}  {met}")
    print(dynamo_line(results))
    print(f"flowdocs.build.bench_docs: results in {args.out}")
    failures = [row["measure"] for row in results["targets"] if not row["met"]]
    if results["busy"]:
        failures.insert(0, f"the machine was busy (load average {max(filter(None, loads)):.2f})")
    if failures:
        raise SystemExit("flowdocs.build.bench_docs: missed: " + "; ".join(failures))


if __name__ == "__main__":
    main()
