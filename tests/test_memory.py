"""Memory per page: measured where the page ran, reset between pages, shown for humans.

The GPU and MPS lines run against the fake torch surfaces of tests/fake_torch.py (no GPU here);
the CPU lines run for real in the build's kernel.
"""

import shutil
from pathlib import Path

import pytest
from fake_torch import GPU_SURFACES, SURFACES

from conftest import notebook_page
from flowdocs.build import memory
from flowdocs.build.execute import execute
from flowdocs.build.outputs import source
from flowdocs.build.pages import executed_pages
from flowdocs.build.store import load, manifest_problem
from flowdocs.sphinxext.outputs import memory_text

SCHEMA_1 = Path(__file__).parent / "fixtures" / "recordings" / "cpu-schema1"
MiB = 2**20


@pytest.mark.parametrize("name", GPU_SURFACES)
def test_a_gpu_page_reports_the_peak_the_allocator_saw_since_its_reset(fake_torch, name):
    surface = fake_torch(SURFACES[name].but(allocated=300 * MiB))
    backend = "rocm" if surface.hip else "cuda"
    assert memory.peak(backend) == {"bytes": 300 * MiB, "kind": "gpu-peak"}
    memory.reset(backend)
    assert memory.peak(backend) == {"bytes": 0, "kind": "gpu-peak"}  # the last page's is gone


def test_an_mps_page_reports_the_drivers_allocation_after_it(fake_torch):
    fake_torch(SURFACES["mps"].but(allocated=42 * MiB))
    memory.reset("mps")
    assert memory.peak("mps") == {"bytes": 42 * MiB, "kind": "mps-after"}


def test_where_the_peak_cannot_be_reset_the_kind_says_since_when(monkeypatch, tmp_path):
    monkeypatch.setattr(memory, "CLEAR_REFS", tmp_path / "no" / "clear_refs")  # as on macOS
    memory.reset("cpu")
    measured = memory.peak("cpu")
    assert measured["kind"] == "rss-peak-since-start" and measured["bytes"] > MiB


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="Linux only")
def test_a_cpu_page_reports_the_peak_resident_memory_since_its_reset():
    memory.reset("cpu")
    measured = memory.peak("cpu")
    assert measured["kind"] == "rss-peak" and measured["bytes"] > MiB


def test_a_kernel_without_a_peak_in_its_status_falls_back_to_its_peak_since_start(
    monkeypatch, tmp_path
):
    monkeypatch.setattr(memory, "CLEAR_REFS", tmp_path / "clear_refs")  # the reset is taken
    monkeypatch.setattr(memory, "STATUS", tmp_path / "status")
    (tmp_path / "status").write_text("Name:\tpython\nVmRSS:\t1024 kB\n")  # but no VmHWM
    memory.reset("cpu")
    assert memory.peak("cpu")["kind"] == "rss-peak-since-start"


def test_where_nothing_can_be_read_no_memory_is_recorded(monkeypatch, tmp_path):
    monkeypatch.setattr(memory, "CLEAR_REFS", tmp_path / "no" / "clear_refs")
    monkeypatch.setattr(memory, "resource", None)  # as on Windows
    memory.reset("cpu")
    assert memory.peak("cpu") is None


def run(tmp_path, **pages: str):
    docs, examples = tmp_path / "docs", tmp_path / "examples"
    docs.mkdir()
    examples.mkdir()
    for name, code in pages.items():
        (docs / f"{name}.md").write_text(notebook_page("A page", code))
    done = []
    execute(executed_pages(docs, examples), examples, done.append)
    return {execution.page.docname: execution.memory for execution in done}


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="Linux only")
def test_each_page_gets_its_own_peak_in_one_warm_kernel(tmp_path):
    """A page that fills 256 MiB runs first; the small page after it must not inherit its peak."""
    found = run(
        tmp_path,
        a_large="import torch\nlarge = torch.ones(64 * 2**20)  # 256 MiB, written\ndel large",
        b_small="import torch\nsmall = torch.ones(16)",
    )
    large, small = found["a_large"], found["b_small"]
    assert large["kind"] == small["kind"] == "rss-peak"
    assert small["bytes"] > 0
    assert large["bytes"] - small["bytes"] > 200 * MiB, found


def test_a_schema_1_recording_loads_and_says_its_memory_was_not_recorded():
    """The fixture was recorded by flowdocs before it measured memory (the parent commit)."""
    store = load(SCHEMA_1)
    assert store.pages["lesson"].keys() == {"inputs", "outputs", "seconds", "executed"}
    assert source(store, "lesson")["memory"] is None
    assert memory_text(None) == "not recorded"


@pytest.mark.parametrize(
    "bad", [{"bytes": -1, "kind": "rss-peak"}, {"bytes": 1, "kind": "swap"}, {"bytes": True,
            "kind": "gpu-peak"}, {"bytes": "1 GB", "kind": "gpu-peak"}, 12],
)  # fmt: skip
def test_a_malformed_memory_fails_the_load(tmp_path, bad):
    folder = tmp_path / "cpu-schema1"
    shutil.copytree(SCHEMA_1, folder)
    manifest = load(folder).manifest()
    manifest["pages"]["lesson"]["memory"] = bad
    assert manifest_problem(manifest, folder) == (
        "page 'lesson': inputs, outputs, seconds, executed or memory is malformed"
    )


@pytest.mark.parametrize(
    ("measured", "text"),
    [
        ({"bytes": 312 * MiB + MiB // 2, "kind": "rss-peak"},
         "312.5 MiB (peak resident memory of the process)"),
        ({"bytes": 3 * 2**30 + 2**28, "kind": "gpu-peak"},
         "3.25 GiB (peak allocated by PyTorch on the GPU)"),
    ],
)  # fmt: skip
def test_memory_reads_in_mib_or_gib_with_what_it_measured(measured, text):
    assert memory_text(measured) == text
