"""Make every executed page's outputs current before Sphinx starts, executing only what changed.

For each page the build chooses its primary outputs: this build's own run (``live``), or a
recording from ``docs/recordings`` (``--outputs ID``, or ``auto``: a ROCm recording, else CUDA,
else MPS) while that recording is current for the page, i.e. ran exactly the code the page runs
now. A page whose chosen recording is out of date executes here instead, and says so; ``--strict``
fails instead. Every other current recording becomes a tab beside this build's own run.

This build's own outputs are kept in ``<build>/outputs/live`` and a page executes again only
when its code, its scripts, the lesson library, torch or ``FLOWDOCS_DEVICE`` changed. Sphinx
then reads what was chosen from two places under ``<build>/outputs``: ``plan/<page>.json`` (where
the outputs came from, rewritten only when that changes, so Sphinx re-reads just those pages) and
a jupyter-cache view for myst-nb, which therefore executes nothing. Beside them,
``compare/<lesson>.json`` holds the shown machines' glued values for the lessons' ``--compare``.

Usage: ``python -m flowdocs.build.outputs [--outputs ID|auto] [--strict]`` (the docs build runs
it first; ``nox -s docs-live`` before each rebuild).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from myst_nb.core.utils import coalesce_streams

from flowdocs.build import site_data
from flowdocs.build.execute import Execution, ExecutionFailed, execute, utc_now
from flowdocs.build.pages import Page, executed_pages
from flowdocs.build.store import CONTRIBUTED, Store, StoreError, load
from flowdocs.cli import DEVICE_ENV

LIVE = "live"
AUTO = "auto"
AUTO_ORDER = ("rocm", "cuda", "mps")  # the backends ``--outputs auto`` shows first, in order


def say(line: str) -> None:
    print(f"flowdocs: {line}", flush=True)


def load_recordings(docs: Path) -> dict[str, Store]:
    """Every recording in ``docs/recordings``, each checked whole."""
    try:
        return {
            folder.name: load(folder)
            for folder in sorted((docs / "recordings").glob("*"))
            if folder.is_dir()
        }
    except StoreError as error:
        raise SystemExit(str(error)) from None


def environment() -> dict:
    """What this build's own outputs depend on besides the pages' code."""
    try:
        torch = version("torch")
    except PackageNotFoundError:
        torch = None
    return {"torch": torch, "device": os.environ.get(DEVICE_ENV, AUTO)}


def load_live(folder: Path) -> Store:
    """This build's earlier outputs if they are still usable, else an empty store."""
    try:
        store = load(folder)
    except StoreError:
        store = None
    if store is None or store.environment != environment():
        shutil.rmtree(folder, ignore_errors=True)
        store = Store(folder, LIVE, {}, utc_now(), environment=environment())
    return store


def candidates(requested: str | None, recordings: dict[str, Store]) -> list[str]:
    """The recordings to try as primary, best first."""
    if requested is None:
        return []
    if requested != AUTO:
        return [requested]
    gpus = [r for r in recordings.values() if r.device.get("backend") in AUTO_ORDER]
    gpus.sort(key=lambda r: (AUTO_ORDER.index(r.device["backend"]), r.id))
    return [r.id for r in gpus]


def source(store: Store, docname: str) -> dict:
    """One source of a page's outputs, as the page's note and tabs describe it."""
    page = store.pages[docname]
    return {
        "id": store.id,
        "device": store.device,
        "recorded": None if store.id == LIVE else store.recorded,
        "commit": store.commit,
        "seconds": page["seconds"],
        "executed": page["executed"],
        "memory": page.get("memory"),  # None: not recorded (a recording older than the field)
        "outputs": page["outputs"],
        "provenance": None if store.id == LIVE else store.provenance or CONTRIBUTED,
    }


def marker(source_id: str) -> nbformat.NotebookNode:
    """A one-line MyST output where one source's outputs start (see sphinxext.source_tabs)."""
    text = f"```{{output-source}} {source_id}\n```\n"
    return nbformat.v4.new_output("display_data", data={"text/markdown": text})


def shown(outputs: list) -> list:
    """The outputs a reader sees: glued values (the prose's numbers) left out."""
    return [output for output in outputs if "scrapbook" not in output.get("metadata", {})]


def merged_notebook(page: Page, stores: list[Store]) -> nbformat.NotebookNode:
    """The page's notebook with every source's outputs; the primary's glued values only."""
    notebook = copy.deepcopy(page.notebook)
    cells_by_store = [store.cells(page.docname) for store in stores]
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for index, cell in enumerate(code_cells):
        outputs = [cells[index].outputs for cells in cells_by_store]
        cell.execution_count = cells_by_store[0][index].execution_count
        if len(stores) == 1 or not any(shown(each) for each in outputs):
            cell.outputs = coalesce_streams(outputs[0])
            continue
        cell.outputs = []
        for number, (store, each) in enumerate(zip(stores, outputs, strict=True)):
            cell.outputs += [
                marker(store.id),
                *coalesce_streams(each if number == 0 else shown(each)),
            ]
    return notebook


def check_cells(store: Store, page: Page) -> None:
    """A store that claims to have run the page has one executed cell per code cell of it."""
    found, wanted = len(store.cells(page.docname)), len(page.code_cells)
    if found != wanted:
        raise SystemExit(
            f"flowdocs: {store.notebook_path(page.docname)}: {found} code cells, "
            f"but {page.docname}.md has {wanted}"
        )


def write_if_changed(path: Path, text: str) -> bool:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def write_view(
    outputs_dir: Path,
    pages: list[Page],
    chosen: dict[str, list[Store]],
    stale: dict[str, str | None],
) -> None:
    """Plan files, and a jupyter-cache view myst-nb reads, rebuilt only when a plan changed."""
    plan_dir, view = outputs_dir / "plan", outputs_dir / "jupyter_cache"
    changed = not view.is_dir()
    wanted = set()
    for page in pages:
        stores = chosen[page.docname]
        plan = {
            "primary": stores[0].id,
            "stale": stale[page.docname],
            "sources": [source(store, page.docname) for store in stores],
        }
        path = plan_dir / f"{page.docname}.json"
        wanted.add(path)
        changed |= write_if_changed(path, json.dumps(plan, indent=1) + "\n")
    for path in plan_dir.rglob("*.json"):
        if path not in wanted:  # a page that no longer runs code
            path.unlink()
            changed = True
    if not changed:
        return
    shutil.rmtree(view, ignore_errors=True)
    cache = get_cache(str(view))
    for page in pages:
        notebook = merged_notebook(page, chosen[page.docname])
        bundle = CacheBundleIn(notebook, str(page.path))
        cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)


def write_site_data(folder: Path, files: dict[str, str]) -> None:
    """The lessons' ``--compare`` data (:mod:`flowdocs.build.site_data`), each file rewritten
    only when it changed; a lesson no page runs any more loses its file."""
    for path in folder.glob("*.json"):
        if path.name not in files:
            path.unlink()
    for name, text in files.items():
        write_if_changed(folder / name, text)


def report_stale(stale: dict[str, str | None], strict: bool) -> None:
    """Name the pages whose chosen recording is out of date; with ``strict``, fail on them."""
    by_recording: dict[str, list[str]] = {}
    for docname, recording in stale.items():
        if recording:
            by_recording.setdefault(recording, []).append(docname)
    if strict and by_recording:
        found = [
            f"recording {r} is out of date for {', '.join(p)}" for r, p in by_recording.items()
        ]
        raise SystemExit(f"flowdocs: {'; '.join(found)} (--strict)")
    for recording, names in by_recording.items():
        say(
            f"recording {recording} is out of date for {', '.join(names)}; executing here. "
            f"Refresh it on its machine with: nox -s record -- --id {recording}"
        )


def run_live(pages: list[Page], examples: Path, live: Store) -> None:
    """Execute those of ``pages`` whose outputs in ``live`` are not current (or predate its
    memory field), keeping each."""
    todo = [
        page
        for page in pages
        if not live.current(page.docname, page.digest) or "memory" not in live.pages[page.docname]
    ]

    def keep(execution: Execution) -> None:
        live.put(execution)
        live.save()
        say(f"executed {execution.page.docname} in {execution.seconds:.1f} s")

    try:
        execute(todo, examples, keep)
    except ExecutionFailed as failed:
        raise SystemExit(f"{failed}\n\n{failed.traceback}".rstrip()) from None
    except StoreError as error:  # a lesson printed what no store may hold
        raise SystemExit(str(error)) from None


def prepare(docs: Path, build_dir: Path, requested: str | None, strict: bool) -> None:
    """Make ``<build_dir>/outputs`` current for every executed page of ``docs``."""
    docs, outputs_dir = docs.resolve(), build_dir.resolve() / "outputs"
    examples = docs.parent / "examples"
    recordings = load_recordings(docs)
    if requested not in (None, AUTO, *recordings):
        here = ", ".join(recordings) or "none"
        raise SystemExit(f"flowdocs: no recording {requested!r} (recordings here: {here})")
    live = load_live(outputs_dir / LIVE)
    pages = executed_pages(docs, examples)
    wanted = candidates(requested, recordings)
    chosen: dict[str, list[Store]] = {}
    stale: dict[str, str | None] = {}
    for page in pages:
        current = [r for r in recordings.values() if r.current(page.docname, page.digest)]
        for recording in current:
            check_cells(recording, page)
        primary = min(
            (r for r in current if r.id in wanted), key=lambda r: wanted.index(r.id), default=None
        )
        stale[page.docname] = wanted[0] if wanted and primary is None else None
        chosen[page.docname] = [primary] if primary else [live, *current]
    report_stale(stale, strict)
    run_live([page for page in pages if chosen[page.docname][0] is live], examples, live)
    write_view(outputs_dir, pages, chosen, stale)
    write_site_data(outputs_dir / "compare", site_data.files(examples, pages, chosen))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m flowdocs.build.outputs", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="the Sphinx source folder")
    parser.add_argument("--build-dir", type=Path, default=Path("docs/_build"))
    parser.add_argument("--outputs", metavar="ID", help="a recording to show first, or auto")
    parser.add_argument("--strict", action="store_true", help="fail on an out-of-date recording")
    args = parser.parse_args(argv)
    if not (args.docs / "conf.py").is_file():
        parser.error(f"{args.docs} has no conf.py")
    prepare(args.docs, args.build_dir, args.outputs, args.strict)


if __name__ == "__main__":
    main()
