"""A fresh Python that holds only some distributions and what they require: a reader's venv.

The distributions are the ones installed here (the torch the site was built with, not a second
download), made visible to a new virtual environment through one ``.pth`` file naming a folder
that links them alone. So nothing else of this environment (flowdocs, Sphinx, and numpy, which
torch does not require) can be imported there, and making one costs no network and no copy.
"""

from __future__ import annotations

import subprocess
import sysconfig
import venv
from importlib.metadata import distribution
from pathlib import Path

from packaging.requirements import Requirement


def closure(names: tuple[str, ...]) -> dict[str, object]:
    """The distributions ``names`` need, as pip would install them here (markers evaluated)."""
    found, todo = {}, list(names)
    while todo:
        dist = distribution(todo.pop())
        key = dist.metadata["Name"].lower().replace("_", "-")
        if key in found:
            continue
        found[key] = dist
        for requirement in map(Requirement, dist.requires or []):
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return found


def fresh_python(folder: Path, *names: str) -> Path:
    """A new venv in ``folder`` that sees ``names`` and their requirements only; its python."""
    packages = folder / "packages"
    packages.mkdir(parents=True)
    for dist in closure(names).values():
        for top in {file.parts[0] for file in dist.files or [] if file.parts[0] != ".."}:
            link = packages / top
            if not link.exists():
                link.symlink_to(dist.locate_file(top))
    environment = folder / "venv"
    venv.create(environment, with_pip=False)
    paths = {"base": str(environment), "platbase": str(environment)}
    site = Path(sysconfig.get_path("purelib", vars=paths))
    (site / "packages.pth").write_text(f"{packages}\n", encoding="utf-8")
    return environment / "bin" / "python"


def importable(python: Path, *modules: str) -> list[str]:
    """Which of ``modules`` that Python can import (isolated: no user site, no PYTHONPATH)."""
    probe = f"import importlib.util as u; print(*[m for m in {modules!r} if u.find_spec(m)])"
    done = subprocess.run([python, "-I", "-c", probe], capture_output=True, text=True, check=True)
    return done.stdout.split()
