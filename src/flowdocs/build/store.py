"""A folder of executed pages: a recording made on some machine, or this build's own outputs.

Each page is a notebook of its code cells with their outputs (``<page>.ipynb``, JSON a reviewer
can read), and ``recording.json`` says where they ran: the device, when, at which commit, and per
page the hash of the code it ran (``inputs``) and of its notebook file (``outputs``). A store is
checked whole when loaded, so a hand-edited or half-copied recording fails with one line, and
so is a recording that holds more than the lessons print (see ``flowdocs.build.allowlist``).
``provenance`` says who made it: this project's workflow (the GitHub Actions run) or a contributor.
Each page also keeps the ``memory`` it took (``flowdocs.build.memory``); a recording made before
flowdocs measured memory has none, and still loads: the field is optional, so the schema stays 1.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import nbformat
from nbformat.v4.rwbase import split_lines

from flowdocs.build.allowlist import MAX_BYTES, check_notebook, read_json
from flowdocs.build.execute import Execution
from flowdocs.build.memory import KINDS

SCHEMA = 1
MANIFEST = "recording.json"
FIELDS = {"schema": int, "id": str, "device": dict, "recorded": str, "pages": dict}
# What a manifest names goes into paths, MyST markers and git commands: only plain names.
ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
DOCNAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*")
COMMIT = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,99}")  # git describe --always --dirty
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
SHA256 = re.compile(r"[0-9a-f]{64}")
CONTRIBUTED = {"by": "contributor"}
SERVER = re.compile(r"https://[A-Za-z0-9.-]+(:\d+)?")
REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
MAX_FILES = 256


class StoreError(Exception):
    """A store that cannot be used; ``str()`` is one line naming the file."""


@dataclass
class Store:
    """Executed pages and their provenance; ``pages`` maps a page to its ``inputs``/``outputs``
    hashes, ``seconds``, ``executed`` time and ``memory``."""

    folder: Path
    id: str
    device: dict
    recorded: str
    commit: str | None = None
    environment: dict | None = None  # this build's own store: what its outputs depend on
    pages: dict[str, dict] = field(default_factory=dict)
    provenance: dict | None = None  # a recording's maker: see ``workflow_run``; None: contributed

    def manifest(self) -> dict:
        return {
            "schema": SCHEMA,
            "id": self.id,
            "device": self.device,
            "recorded": self.recorded,
            "commit": self.commit,
            "flowdocs": version("flowdocs"),
            **({"environment": self.environment} if self.environment else {}),
            **({"provenance": self.provenance} if self.provenance else {}),
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
        try:  # this build's outputs meet the rule a recording must meet, so a lesson fails first
            check_notebook(json.loads(text))
        except ValueError as error:
            raise StoreError(f"flowdocs: {execution.page.docname}.md: {error}") from None
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
        self.device = execution.device or {}
        self.pages[execution.page.docname] = {
            "inputs": execution.page.digest,
            "outputs": sha256(path),
            "seconds": round(execution.seconds, 2),
            "executed": execution.executed,
            "memory": execution.memory,
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


def workflow_run(environ: dict[str, str]) -> dict:
    """Who is making a recording: a GitHub Actions run (its server, repository, id and page),
    or, anywhere else, a contributor."""
    if environ.get("GITHUB_ACTIONS") != "true":
        return CONTRIBUTED
    server, repository, run = (
        environ.get(name, "")
        for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    return {
        "by": "workflow",
        "server": server,
        "repository": repository,
        "run_id": run,
        "run_url": f"{server}/{repository}/actions/runs/{run}",
    }


def provenance_problem(provenance: object) -> str | None:
    """What is wrong with a manifest's ``provenance`` (its run URL becomes a link), if anything."""
    if provenance is None or provenance == CONTRIBUTED:
        return None
    if not isinstance(provenance, dict) or provenance.get("by") != "workflow":
        return "'provenance' is neither a workflow run nor a contributor"
    server, repository, run = (provenance.get(k) for k in ("server", "repository", "run_id"))
    if not (
        isinstance(server, str) and SERVER.fullmatch(server)
        and isinstance(repository, str) and REPOSITORY.fullmatch(repository)
        and isinstance(run, str) and run.isascii() and run.isdigit()
        and provenance.get("run_url") == f"{server}/{repository}/actions/runs/{run}"
    ):  # fmt: skip
        return "'provenance' names no well-formed GitHub Actions run"
    return None


def memory_fine(memory: object) -> bool:
    """A page's memory: not recorded (None, or absent), or a number of bytes of a known kind."""
    return memory is None or (
        isinstance(memory, dict)
        and memory.get("kind") in KINDS
        and isinstance(memory.get("bytes"), int)
        and not isinstance(memory["bytes"], bool)
        and memory["bytes"] >= 0
    )


def page_fine(page: object) -> bool:
    """A manifest's entry for one page: its two hashes, its seconds, when it ran, its memory."""
    hashes = ("inputs", "outputs")
    return (
        isinstance(page, dict)
        and all(isinstance(page.get(k), str) and SHA256.fullmatch(page[k]) for k in hashes)
        and isinstance(page.get("seconds"), int | float)
        and isinstance(page.get("executed"), str)
        and TIMESTAMP.fullmatch(page["executed"]) is not None
        and memory_fine(page.get("memory"))
    )


def manifest_problem(manifest: object, folder: Path) -> str | None:
    """What is wrong with a manifest's fields, if anything (fields it does not know are kept)."""
    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
        return f"schema is not {SCHEMA}"
    for key, kind in FIELDS.items():
        if not isinstance(manifest.get(key), kind):
            return f"{key!r} is missing or not a {kind.__name__}"
    if manifest["id"] != folder.name:
        return f"id {manifest['id']!r} is not its folder's name"
    if not ID.fullmatch(manifest["id"]):
        return f"id {manifest['id']!r}: use lower-case letters, digits, '.', '_' and '-'"
    device = manifest["device"]  # empty where no page imports torch
    named = not device or all(isinstance(device.get(key), str) for key in ("backend", "name"))
    if not named or not all(isinstance(value, str | None) for value in device.values()):
        return "'device' needs a backend and a name, all text"
    if not TIMESTAMP.fullmatch(manifest["recorded"]):
        return "'recorded' is not a UTC time like 2026-12-03T21:41:21Z"
    commit = manifest.get("commit")
    if commit is not None and not (isinstance(commit, str) and COMMIT.fullmatch(commit)):
        return "'commit' is not a git commit"
    for docname, page in manifest["pages"].items():
        if not DOCNAME.fullmatch(docname):
            return f"page {docname!r} is not a page's name"
        if not page_fine(page):
            return f"page {docname!r}: inputs, outputs, seconds, executed or memory is malformed"
    return provenance_problem(manifest.get("provenance"))


def files_of(folder: Path) -> list[Path]:
    """The folder's files, refused when they are not plain files or too many or too large."""
    files, entries, size = [], 0, 0
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            raise StoreError(f"flowdocs: {path}: not a plain file")
        entries += path != folder
        if path.is_file():
            files.append(path)
            size += path.stat().st_size
        if entries > MAX_FILES or size > MAX_BYTES:
            raise StoreError(
                f"flowdocs: {folder}: takes more than {MAX_BYTES / 2**20:.0f} MB "
                f"or {MAX_FILES} files; a recording takes less"
            )
    return sorted(files)


def load(folder: Path) -> Store:
    """Read and check a store whole; raise :class:`StoreError` naming the first bad file."""
    path = folder / MANIFEST
    if not path.is_file():
        raise StoreError(f"flowdocs: {path}: missing")
    files = files_of(folder)
    try:
        manifest = read_json(path)
    except ValueError as error:
        raise StoreError(f"flowdocs: {path}: {error}") from None
    problem = manifest_problem(manifest, folder)
    if problem:
        raise StoreError(f"flowdocs: {path}: {problem}")
    store = Store(
        folder,
        manifest["id"],
        manifest["device"],
        manifest["recorded"],
        manifest.get("commit"),
        manifest.get("environment"),
        manifest["pages"],
        manifest.get("provenance"),
    )
    for docname, page in store.pages.items():
        notebook = store.notebook_path(docname)
        if not notebook.is_file():
            raise StoreError(f"flowdocs: {notebook}: missing, yet listed in {MANIFEST}")
        if sha256(notebook) != page["outputs"]:
            raise StoreError(f"flowdocs: {notebook}: does not match its hash in {MANIFEST}")
        try:
            check_notebook(read_json(notebook))
        except ValueError as error:
            raise StoreError(f"flowdocs: {notebook}: {error}") from None
    listed = {path, *(store.notebook_path(docname) for docname in store.pages)}
    for extra in files:
        if extra not in listed:
            raise StoreError(f"flowdocs: {extra}: not listed in {MANIFEST}; a recording holds "
                             "its manifest and its pages' notebooks only")  # fmt: skip
    return store


def swap_in(staging: Path, final: Path) -> None:
    """Put a complete store made in ``staging`` in the place of ``final``, whole.

    The old store is moved aside beside ``staging`` (same file system, so a rename) rather than
    deleted first: ``final`` is missing only between two renames, never half-written.
    """
    previous = staging.with_name(f"{staging.name}.previous")
    shutil.rmtree(previous, ignore_errors=True)
    if final.exists():
        final.rename(previous)
    staging.rename(final)
    shutil.rmtree(previous, ignore_errors=True)
