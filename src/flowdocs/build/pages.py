"""Which pages run code, what code they run, and one hash that says when that code changed.

An executed page is a MyST notebook with code cells. Its outputs depend on its code cells, the
example scripts they import and the flowdocs lesson library those scripts use, found by reading
the imports (transitively) rather than by listing them by hand. The builder and the Sphinx
extension are not part of the lesson library: editing them executes nothing.
"""

from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager
from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook

import flowdocs

PACKAGE_DIR = Path(flowdocs.__file__).resolve().parent
SKIPPED_FOLDERS = ("recordings", "jupyter_execute")  # and any folder named _* or .*


@dataclass
class Page:
    """One executed page: its notebook as myst-nb reads it, and what its outputs depend on."""

    docname: str
    path: Path
    notebook: nbformat.NotebookNode
    inputs: list[Path] = field(default_factory=list)
    modules: set[str] = field(default_factory=set)  # third-party packages, to import ahead
    digest: str = ""

    @property
    def code_cells(self) -> list[nbformat.NotebookNode]:
        return [cell for cell in self.notebook.cells if cell.cell_type == "code"]


def imported_names(source: str, package: str | None = None) -> set[str]:
    """Every module ``source`` may import, with its parents (``torch.nn`` gives ``torch`` too).

    IPython syntax (``%magic``) is turned into Python first; ``from a import b`` also names
    ``a.b``, which may be a module; relative imports resolve against ``package``.
    """
    tree = ast.parse(TransformerManager().transform_cell(source))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = (package or "").split(".")
                base = ".".join(filter(None, [*parts[: len(parts) - node.level + 1], base]))
            found = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in filter(None, found):
            parts = name.split(".")
            names.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return names


def module_file(name: str, examples: Path) -> Path | None:
    """The example script or lesson-library module that ``name`` imports, if it is one."""
    if name == "flowdocs":
        return PACKAGE_DIR / "__init__.py"
    parts = name.split(".")
    if len(parts) == 2 and parts[0] == "flowdocs":
        path = PACKAGE_DIR / f"{parts[1]}.py"  # subpackages (build, sphinxext) are no lesson
    elif len(parts) == 1:
        path = examples / f"{name}.py"
    else:
        return None
    return path if path.is_file() else None


def dependencies(page: Page, examples: Path) -> None:
    """Fill ``page.inputs`` and ``page.modules`` by following imports from its code cells."""
    sources = [("".join(cell.source), None) for cell in page.code_cells]
    seen: dict[Path, None] = {}
    while sources:
        source, package = sources.pop()
        for name in imported_names(source, package):
            path = module_file(name, examples)
            if path is None:
                if not name.startswith("flowdocs"):
                    page.modules.add(name.split(".")[0])
            elif path not in seen:
                seen[path] = None
                package = "flowdocs" if path.parent == PACKAGE_DIR else None
                sources.append((path.read_text(encoding="utf-8"), package))
    page.inputs = sorted(seen, key=lambda path: input_name(path, examples))


def input_name(path: Path, examples: Path) -> str:
    """An input's name in a hash, alike on every machine: ``examples/x.py``, ``flowdocs/x.py``."""
    root = PACKAGE_DIR.parent if path.is_relative_to(PACKAGE_DIR) else examples.parent
    return path.relative_to(root).as_posix()


def page_digest(page: Page, examples: Path) -> str:
    """sha256 of the code cells (source and metadata) and of every input, by name and content.

    Inputs come in the order of their names, never of their paths: a clone in another folder
    gets the same hash.
    """
    digest = hashlib.sha256()
    for cell in page.code_cells:
        cell_data = json.dumps([cell.source, cell.metadata], sort_keys=True)
        digest.update(cell_data.encode() + b"\0")
    for path in page.inputs:
        digest.update(input_name(path, examples).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def source_files(docs: Path) -> list[Path]:
    """The page sources Sphinx reads: build output, recordings and _/. folders left out."""
    found = []
    for path in sorted(docs.rglob("*.md")):
        folders = path.relative_to(docs).parts[:-1]
        if not any(part.startswith(("_", ".")) or part in SKIPPED_FOLDERS for part in folders):
            found.append(path)
    return found


def executed_pages(docs: Path, examples: Path) -> list[Page]:
    """Every page under ``docs`` that runs code, in name order, with its inputs and digest."""
    docs, examples = docs.resolve(), examples.resolve()
    pages = []
    for path in source_files(docs):
        text = path.read_text(encoding="utf-8")
        if not is_myst_markdown_notebook(text):
            continue
        notebook = read_myst_markdown_notebook(text, add_source_map=True, path=path)
        docname = path.relative_to(docs).with_suffix("").as_posix()
        page = Page(docname, path, notebook)
        if not page.code_cells:
            continue
        dependencies(page, examples)
        page.digest = page_digest(page, examples)
        pages.append(page)
    return pages
