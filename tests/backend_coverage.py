"""Branch coverage of the code that runs only on a GPU backend, under the fake torch surfaces.

:data:`BACKEND_CODE` names that code: each function or class of the lessons and the library
that takes a different path on ROCm, CUDA or MPS than on the CPU, or that only a GPU run
reaches. (``flowdocs.measure`` has none: ``torch.utils.benchmark`` synchronises the GPU itself;
``flowdocs.cli`` only lists the device names.) :data:`TESTS` run it against the surfaces of
tests/fake_torch.py under coverage.py, and the report gives each region's branches and lines.
Show the numbers with the build environment's Python (``nox -s tests`` makes it)::

    .nox/build-env/bin/python tests/backend_coverage.py

``tests/test_backend_coverage.py`` asserts that every region is covered whole.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKEND_CODE = {
    "src/flowdocs/device.py": [
        "pick_device", "backend_of", "describe", "ArchSupport", "arch_support", "_mps_available",
    ],
    "src/flowdocs/device_info.py": ["DeviceInfo.summary"],
    "src/flowdocs/profile.py": [
        "library_of", "gemm_library", "kernel_library", "profile_work", "kernel_work",
        "synchronize",
    ],
    "src/flowdocs/build/memory.py": ["reset", "peak"],
    "src/flowdocs/build/record.py": ["default_id"],
    "src/flowdocs/sphinxext/outputs.py": ["device_label"],
    "examples/who_does_the_work.py": ["convolution_choice", "main"],
}  # fmt: skip
# The tests that run that code on the fake surfaces, and test_profile's GPU kernel names.
TESTS = [
    "tests/test_backends.py",
    "tests/test_device.py",
    "tests/test_memory.py",
    *(
        f"tests/test_profile.py::{test}"
        for test in (
            "test_each_reference_kernel_maps_to_its_owner",
            "test_each_further_kernel_maps_to_its_owner_given_the_op_that_launched_it",
            "test_the_backend_comes_from_the_device_not_the_name",
            "test_on_mps_no_work_is_given_to_a_cpu_library",
            "test_cpu_ops_map_to_the_blas_torch_was_built_with",
            "test_each_kernel_is_attributed_through_the_op_that_launched_it",
        )
    ),
]


@dataclass(frozen=True)
class Region:
    """One function or class of :data:`BACKEND_CODE`, and how much of it the tests ran."""

    path: str
    name: str
    lines: int
    branches: int
    covered_branches: int
    missing_lines: list[int]

    @property
    def whole(self) -> bool:
        return self.covered_branches == self.branches and not self.missing_lines

    def line(self) -> str:
        run = self.lines - len(self.missing_lines)
        missing = f", missing lines {self.missing_lines}" if self.missing_lines else ""
        return (
            f"{self.path}::{self.name}: {self.covered_branches}/{self.branches} branches, "
            f"{run}/{self.lines} lines{missing}"
        )


def measure() -> list[Region]:
    """Run :data:`TESTS` under coverage.py with branch coverage; one result per region."""
    with tempfile.TemporaryDirectory() as scratch:
        data, report = Path(scratch, ".coverage"), Path(scratch, "coverage.json")
        include = ",".join(str(ROOT / path) for path in BACKEND_CODE)
        coverage = [sys.executable, "-m", "coverage"]
        run = [*coverage, "run", "--branch", f"--data-file={data}", f"--include={include}"]
        tests = subprocess.run(
            [*run, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS],
            cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        if tests.returncode != 0:
            raise RuntimeError(f"the backend tests failed:\n{tests.stdout[-3000:]}")
        subprocess.run(
            [*coverage, "json", f"--data-file={data}", "-o", str(report)],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        files = json.loads(report.read_text())["files"]
    regions = []
    for path, names in BACKEND_CODE.items():
        found = files[path]
        for name in names:
            kind = "classes" if name in found["classes"] else "functions"
            summary = found[kind][name]["summary"]
            regions.append(
                Region(
                    path, name, summary["num_statements"], summary["num_branches"],
                    summary["covered_branches"], found[kind][name]["missing_lines"],
                )
            )  # fmt: skip
    return regions


def main() -> int:
    regions = measure()
    print(*(region.line() for region in regions), sep="\n")
    branches = sum(region.branches for region in regions)
    covered = sum(region.covered_branches for region in regions)
    lines = sum(region.lines for region in regions)
    run = lines - sum(len(region.missing_lines) for region in regions)
    print(f"backend-dependent code: {covered}/{branches} branches, {run}/{lines} lines run")
    whole = all(region.whole for region in regions)
    return 0 if whole else 1


if __name__ == "__main__":
    raise SystemExit(main())
