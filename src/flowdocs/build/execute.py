"""Run the executed pages: one after another in one warm kernel, each from a clean slate.

One kernel serves every page, as sphinx-gallery runs its examples in one interpreter: ``import
torch`` and the kernel's start are paid once per build instead of once per page. Before each page
a hidden cell empties the kernel's namespace and moves it into the page's folder, so a page sees
nothing another page defined. Pages never run side by side: several of them time things, and a
timing taken beside another execution measures the neighbour.

A failure stops the run with flowdocs' own two lines (page, script and line, exception) followed
by the whole traceback; a traceback a cell merely printed fails it too, unless the cell is tagged
``raises-exception``.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from flowdocs.build.pages import PACKAGE_DIR, Page

KERNEL = "python3"
CELL_TIMEOUT = 600  # seconds; an example that hangs fails the build rather than blocking it
CLEAN_SLATE = "%reset -f\nimport os\nos.chdir({folder!r})\ndel os"
RESET_MEMORY = """\
import flowdocs.build.memory
flowdocs.build.memory.reset({backend!r})
del flowdocs"""
READ_MEMORY = """\
import json, flowdocs.build.memory
print(json.dumps(flowdocs.build.memory.peak({backend!r})))
"""
WARM_UP = """\
import importlib
for _name in {modules!r}:
    try:
        importlib.import_module(_name)
    except ImportError:
        pass
"""
DESCRIBE_DEVICE = """\
import dataclasses, json
from flowdocs.device import describe, pick_device
print(json.dumps(dataclasses.asdict(describe(pick_device()))))
"""
ANSI = re.compile(r"\x1b\[[0-9;]*m")
FRAME = re.compile(
    r"^\s*(?:File (?P<file>.+?):(?P<line>\d+)|Cell In\[\d+\], line (?P<cell>\d+))", re.M
)
PRINTED_TRACEBACK = "Traceback (most recent call last)"


class ExecutionFailed(Exception):
    """A page failed: ``str()`` is flowdocs' short report, ``traceback`` the whole story."""

    def __init__(self, summary: str, traceback: str = "") -> None:
        super().__init__(summary)
        self.traceback = traceback


@dataclass
class Execution:
    """One page, executed: its code cells with their outputs, and when and how long it ran."""

    page: Page
    cells: list[nbformat.NotebookNode]
    seconds: float
    executed: str  # UTC, e.g. 2026-12-03T21:41:21Z
    device: dict | None  # flowdocs.device.describe as a dict; None when no page imports torch
    memory: dict | None = None  # flowdocs.build.memory.peak: bytes and their kind


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def where_it_failed(traceback: str, examples: Path) -> str:
    """The innermost frame in the project's code: a script's line, or the code cell's."""
    found = "its code cell"
    for frame in FRAME.finditer(traceback):
        if frame["cell"]:
            found = f"its code cell, line {frame['cell']}"
            continue
        path = Path(frame["file"])
        for root in (examples, PACKAGE_DIR):
            if path.is_relative_to(root):
                found = f"{path.relative_to(root.parent).as_posix()}, line {frame['line']}"
    return found


def failure(page: Page, error: CellExecutionError, examples: Path) -> ExecutionFailed:
    traceback = ANSI.sub("", error.traceback)
    place = where_it_failed(traceback, examples)
    summary = f"flowdocs: {page.docname}.md failed in {place}\n  {error.ename}: {error.evalue}"
    return ExecutionFailed(summary, traceback)


def check_printed_tracebacks(page: Page, cells: list[nbformat.NotebookNode]) -> None:
    """A traceback a cell printed is a failure the kernel did not report: fail unless allowed."""
    for number, cell in enumerate(cells, start=1):
        if "raises-exception" in cell.metadata.get("tags", []):
            continue
        for output in cell.outputs:
            text = output.get("text", "")
            if output["output_type"] == "stream" and PRINTED_TRACEBACK in text:
                last = text.strip().splitlines()[-1]
                raise ExecutionFailed(
                    f"flowdocs: {page.docname}.md printed a traceback in code cell {number}\n"
                    f"  {last}",
                    text,
                )


async def run_cells(km: AsyncKernelManager, notebook: nbformat.NotebookNode) -> None:
    """Execute ``notebook`` in the kernel ``km`` already runs; the kernel stays up after."""
    client = NotebookClient(
        notebook, km=km, kernel_name=KERNEL, timeout=CELL_TIMEOUT, record_timing=False
    )
    try:
        await client.async_execute()
    finally:
        if client.kc is not None:
            client.kc.stop_channels()


async def warm_up(km: AsyncKernelManager, pages: list[Page]) -> dict | None:
    """Import what the pages import, once; describe the device if they use torch."""
    modules = sorted(set().union(*(page.modules for page in pages)))
    cells = [nbformat.v4.new_code_cell(WARM_UP.format(modules=modules))]
    if "torch" in modules:
        cells.append(nbformat.v4.new_code_cell(DESCRIBE_DEVICE))
    notebook = nbformat.v4.new_notebook(cells=cells)
    try:
        await run_cells(km, notebook)
    except CellExecutionError as error:
        raise ExecutionFailed(
            f"flowdocs: the kernel could not start the pages\n  {error.ename}: {error.evalue}",
            ANSI.sub("", error.traceback),
        ) from None
    if "torch" not in modules:
        return None
    return json.loads(cells[-1].outputs[0]["text"])


async def run_page(
    km: AsyncKernelManager, page: Page, examples: Path, device: dict | None
) -> Execution:
    notebook = copy.deepcopy(page.notebook)
    # Where the page's tensors live: its peak memory is read there (torch only if it uses torch).
    backend = device["backend"] if device and "torch" in page.modules else "cpu"
    slate = CLEAN_SLATE.format(folder=str(page.path.parent))
    reset = RESET_MEMORY.format(backend=backend)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(f"{slate}\n{reset}"))
    notebook.cells.append(nbformat.v4.new_code_cell(READ_MEMORY.format(backend=backend)))
    executed, start = utc_now(), time.perf_counter()
    try:
        await run_cells(km, notebook)
    except CellExecutionError as error:
        raise failure(page, error, examples) from None
    except (CellTimeoutError, DeadKernelError) as error:
        summary = f"flowdocs: {page.docname}.md failed\n  {type(error).__name__}: {error}"
        raise ExecutionFailed(summary) from None
    seconds = time.perf_counter() - start
    memory = json.loads(notebook.cells[-1].outputs[0]["text"])
    cells = [cell for cell in notebook.cells[1:-1] if cell.cell_type == "code"]
    check_printed_tracebacks(page, cells)
    return Execution(page, cells, seconds, executed, device, memory)


async def run_pages(
    pages: list[Page], examples: Path, on_done: Callable[[Execution], None]
) -> None:
    for page in pages:
        kernel = page.notebook.metadata.get("kernelspec", {}).get("name", KERNEL)
        if kernel != KERNEL:
            raise ExecutionFailed(
                f"flowdocs: {page.docname}.md asks for kernel {kernel!r}; pages run in {KERNEL}"
            )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(examples), os.environ.get("PYTHONPATH")])),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # no debugger warning in the build log
    }
    with tempfile.TemporaryDirectory(prefix="flowdocs-kernel-") as folder:
        # IPC sockets in a folder of this run's own: no TCP port to race another build for.
        km = AsyncKernelManager(kernel_name=KERNEL, transport="ipc", ip=str(Path(folder, "ipc")))
        await km.start_kernel(cwd=str(examples.parent), env=env)
        try:
            device = await warm_up(km, pages)
            for page in pages:
                on_done(await run_page(km, page, examples, device))
        finally:
            await km.shutdown_kernel(now=True)


def execute(pages: list[Page], examples: Path, on_done: Callable[[Execution], None]) -> None:
    """Execute ``pages`` in order, calling ``on_done`` with each page as soon as it ran."""
    if pages:
        asyncio.run(run_pages(pages, examples.resolve(), on_done))
