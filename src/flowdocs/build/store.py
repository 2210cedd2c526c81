"""A folder of executed pages: a recording made on some machine, or this build's own outputs.

Each page is a notebook of its code cells with their outputs (``<page>.ipynb``, JSON a reviewer
can read), and ``recording.json`` says where they ran: the device, when, at which commit, and per
page the hash of the code it ran (``inputs``) and of its notebook file (``outputs``). A store is
checked whole when loaded, so a hand-edited or half-copied recording fails with one line.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import nbformat
from nbformat.v4.rwbase import split_lines

from flowdocs.build.execute import Execution

SCHEMA = 1
MANIFEST = "recording.json"
FIELDS = {"schema": int, "id": str, "device": dict, "recorded": str, "pages": dict}


class StoreError(Exception):
    """A store that cannot be used; ``str()`` is one line naming the file."""


@dataclass
class Store:
    """Executed pages and their provenance; ``pages`` maps a page to its ``inputs``/``outputs``
    hashes, ``seconds`` and ``executed`` time."""

    folder: Path
    id: str
    device: dict
    recorded: str
    commit: str | None = None
    environment: dict | None = None  # this build's own store: what its outputs depend on
    pages: dict[str, dict] = field(default_factory=dict)

    def manifest(self) -> dict:
        return {
            "schema": SCHEMA,
            "id": self.id,
            "device": self.device,
            "recorded": self.recorded,
            "commit": self.commit,
            "flowdocs": version("flowdocs"),
            **({"environment": self.environment} if self.environment else {}),
            "pages": dict(sorted(self.pages.items())),
        }

    def notebook_path(self, docname: str) -> Path:
        return self.folder / f"{docname}.ipynb"

    def cells(self, docname: str) -> list[nbformat.NotebookNode]:
        """The page's executed code cells."""
        text = self.notebook_path(docname).read_text(encoding="utf-8")
        return nbformat.reads(text, as_version=4).cells

    def current(self, docname: str, digest: str) -> bool:
        """Whether this store ran exactly the code the page runs now."""
        return self.pages.get(docname, {}).get("inputs") == digest

    def put(self, execution: Execution) -> None:
        """Keep one page's outputs (cells numbered 1, 2, … so that re-runs differ only in data)."""
        cells = []
        for count, cell in enumerate(execution.cells, start=1):
            outputs = copy_outputs(cell.outputs, count)
            cells.append(
                {
                    "cell_type": "code",
                    "execution_count": count,
                    "metadata": dict(cell.metadata),
                    "outputs": outputs,
                    "source": cell.source,
                }
            )
        notebook = {
            "cells": cells,
            "metadata": {"kernelspec": dict(execution.page.notebook.metadata.kernelspec)},
            "nbformat": 4,
            "nbformat_minor": 4,
        }
        text = json.dumps(split_lines(nbformat.from_dict(notebook)), indent=1, sort_keys=True)
        path = self.notebook_path(execution.page.docname)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
        self.device = execution.device or {}
        self.pages[execution.page.docname] = {
            "inputs": execution.page.digest,
            "outputs": sha256(path),
            "seconds": round(execution.seconds, 2),
            "executed": execution.executed,
        }

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.manifest(), indent=1, ensure_ascii=False)
        (self.folder / MANIFEST).write_text(text + "\n", encoding="utf-8")


def copy_outputs(outputs: list, count: int) -> list[dict]:
    """The outputs as plain dicts, their execution counts renumbered like their cell."""
    copies = []
    for output in outputs:
        output = json.loads(json.dumps(output))
        if "execution_count" in output:
            output["execution_count"] = count
        copies.append(output)
    return copies


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load(folder: Path) -> Store:
    """Read and check a store whole; raise :class:`StoreError` naming the first bad file."""
    path = folder / MANIFEST
    if not path.is_file():
        raise StoreError(f"flowdocs: {path}: missing")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StoreError(f"flowdocs: {path}: not valid JSON ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
        raise StoreError(f"flowdocs: {path}: schema is not {SCHEMA}")
    for key, kind in FIELDS.items():
        if not isinstance(manifest.get(key), kind):
            raise StoreError(f"flowdocs: {path}: {key!r} is missing or not a {kind.__name__}")
    if manifest["id"] != folder.name:
        raise StoreError(f"flowdocs: {path}: id {manifest['id']!r} is not its folder's name")
    store = Store(
        folder,
        manifest["id"],
        manifest["device"],
        manifest["recorded"],
        manifest.get("commit"),
        manifest.get("environment"),
        manifest["pages"],
    )
    for docname, page in store.pages.items():
        notebook = store.notebook_path(docname)
        if not isinstance(page, dict) or not notebook.is_file():
            raise StoreError(f"flowdocs: {notebook}: missing, yet listed in {MANIFEST}")
        if sha256(notebook) != page.get("outputs"):
            raise StoreError(f"flowdocs: {notebook}: does not match its hash in {MANIFEST}")
    return store


def swap_in(staging: Path, final: Path) -> None:
    """Put a complete store made in ``staging`` in the place of ``final``, whole."""
    shutil.rmtree(final, ignore_errors=True)
    staging.rename(final)
