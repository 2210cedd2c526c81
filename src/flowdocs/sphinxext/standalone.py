"""A lesson that runs with torch alone: the example script with the lesson library inside it.

A reader who downloads a lesson has no flowdocs to install (Colab, a ``rocm/pytorch``
container, a fresh venv), so the build assembles the download as sphinx-gallery does: one
script, the example's own cells unchanged, with one cell added after its docstring that
carries the flowdocs modules the lesson imports and makes them importable as ``flowdocs.*``.
Why this way, rather than a zip of the script with the helpers beside it:

- one file serves both downloads: a notebook cannot carry a folder, and it is made from this
  script by jupytext, so script and notebook carry the same helpers and run the same way;
- legible: each module travels as its own source text under its own path, as it is in
  ``src/flowdocs``, not compressed or pickled; a reader can read it, and a traceback names
  its file and line (Jupyter's, and the traceback module's, show the line itself);
- exact: the modules are found by following the example's imports through the library, so
  the download holds what the page ran and no more; the build and the Sphinx extension can
  never be among them (the lesson library does not import them: DESIGN.md);
- open to data: the bundle maps paths to texts, so a data file travels as one more entry:
  the site's machines that ``--compare`` prints (``flowdocs/site.json``, read through the
  importer's ``get_data`` as a file beside the module would be).
"""

from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path

from flowdocs.compare import SCHEMA, SITE_DATA

PACKAGE = "flowdocs"
LESSON_LIBRARY = ("cli", "compare", "device", "device_info", "measure", "profile")
RAW = "'''"  # each module's text travels verbatim in a raw string
NO_MACHINES = json.dumps({"schema": SCHEMA, "machines": []})  # a site that knew none
BUNDLE_TITLE = "The flowdocs lesson helpers, carried here so that this lesson needs torch alone"
IMPORTER = '''
class BundledFlowdocs(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports flowdocs.* from FLOWDOCS_BUNDLE, ahead of any flowdocs installed."""

    def find_spec(self, name, path=None, target=None):
        module = name.replace(".", "/")
        for file, package in ((f"{module}.py", False), (f"{module}/__init__.py", True)):
            if file in FLOWDOCS_BUNDLE:
                return importlib.util.spec_from_loader(
                    name, self, origin=file, is_package=package
                )
        return None

    def get_source(self, name):  # lets tracebacks show the bundled lines
        return FLOWDOCS_BUNDLE[self.find_spec(name).origin]

    def get_data(self, path):  # lets flowdocs.compare read the site data carried here
        try:
            return FLOWDOCS_BUNDLE[path.replace("\\\\", "/")].encode("utf-8")
        except KeyError:
            raise FileNotFoundError(path) from None

    def exec_module(self, module):
        file = module.__spec__.origin
        exec(compile(FLOWDOCS_BUNDLE[file], file, "exec"), module.__dict__)


sys.meta_path.insert(0, BundledFlowdocs())
'''


class NotBundleable(ValueError):
    """A lesson whose helpers cannot travel verbatim in the bundle."""


def package_folder() -> Path:
    """``src/flowdocs`` (or wherever flowdocs is installed), found without importing it."""
    return Path(importlib.util.find_spec(PACKAGE).origin).parent


def source_file(module: str) -> Path | None:
    """The file of ``flowdocs.<module path>``, or None when that name is not a module."""
    path = package_folder().joinpath(*module.split(".")[1:])
    for file in (path.with_suffix(".py"), path / "__init__.py"):
        if file.is_file():
            return file
    return None


def flowdocs_imports(code: str) -> set[str]:
    """The flowdocs modules ``code`` imports, anywhere in it (also inside functions)."""
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from flowdocs import cli`` imports a module; ``from flowdocs.x import y``, a name
            names |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return {
        name for name in names if name.split(".")[0] == PACKAGE and source_file(name) is not None
    }


def lesson_modules(script_code: str) -> list[str]:
    """The flowdocs modules the script needs, transitively, the package itself first."""
    needed, todo = {PACKAGE}, flowdocs_imports(script_code)
    while todo:
        module = todo.pop()
        if module in needed:
            continue
        if module.split(".")[1] not in LESSON_LIBRARY:
            raise NotBundleable(f"a lesson needs {module}, which is not in the lesson library")
        needed.add(module)
        todo |= flowdocs_imports(source_file(module).read_text(encoding="utf-8"))
    return sorted(needed)


def bundle_entry(module: str) -> str:
    """``"flowdocs/x.py": r'''<source>''',``: the module's text, verbatim."""
    file = source_file(module)
    path = file.relative_to(package_folder().parent).as_posix()
    text = file.read_text(encoding="utf-8")
    if RAW in text or text.endswith("\\"):
        raise NotBundleable(f"{file} cannot travel verbatim in a raw {RAW} string")
    return f'    "{path}": r{RAW}{text}{RAW},'


def site_entry(site_json: str) -> str:
    """The site data's entry: JSON, whose quotes ``'`` (only ever inside its strings) are
    written ``\\u0027`` so that no recorded text can end the raw string it travels in."""
    text = site_json.replace("'", "\\u0027")
    return f'    "{PACKAGE}/{SITE_DATA}": r{RAW}{text}{RAW},'


def bundle_cell(modules: list[str], site_json: str) -> str:
    """The added cell: the modules' sources, the site data and the importer that serves them."""
    entries = "\n".join([*(bundle_entry(module) for module in modules), site_entry(site_json)])
    return "\n".join([
        f"# %% {BUNDLE_TITLE}",
        "# Copied from the flowdocs project (src/flowdocs) when the site was built;",
        "# the lesson below imports them as it would an installed flowdocs.",
        "import importlib.abc",
        "import importlib.util",
        "import sys",
        "",
        "FLOWDOCS_BUNDLE = {",
        entries,
        "}",
        "",
        IMPORTER.strip(),
    ])  # fmt: skip


def standalone_script(script: Path, site_json: str = NO_MACHINES) -> tuple[str, list[Path]]:
    """The script with the lesson library and ``site_json`` (the site's machines for this
    lesson, :mod:`flowdocs.build.site_data`) inside it, and the files it was made from."""
    code = script.read_text(encoding="utf-8")
    module = ast.parse(code)
    if ast.get_docstring(module) is None:
        raise NotBundleable(f"{script} does not start with its docstring")
    modules = lesson_modules(code)
    lines = code.splitlines(keepends=True)
    docstring_end = module.body[0].end_lineno
    head, rest = "".join(lines[:docstring_end]), "".join(lines[docstring_end:]).lstrip("\n")
    text = f"{head}\n{bundle_cell(modules, site_json)}\n\n\n{rest}"
    return text, [script, *(source_file(module) for module in modules)]
