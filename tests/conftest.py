"""Shared fixtures: Sphinx's own test app, and the real site built once per test session."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest_plugins = ["sphinx.testing.fixtures"]

ROOT = Path(__file__).resolve().parent.parent
SITES = Path(__file__).parent / "sites"


@dataclass
class SiteBuild:
    """One run of ``python -m flowdocs.build.site``: where it built, its exit status and its log."""

    build_dir: Path
    returncode: int
    log: str

    @property
    def site(self) -> Path:
        return self.build_dir / "site"

    def page(self, language: str, name: str) -> str:
        return (self.site / language / f"{name}.html").read_text(encoding="utf-8")


def build_site(docs: Path, build_dir: Path) -> SiteBuild:
    """Run the site builder the way ``nox -s docs`` does and keep its whole output, uncoloured."""
    command = [
        sys.executable,
        "-m",
        "flowdocs.build.site",
        "--docs",
        str(docs),
        "--build-dir",
        str(build_dir),
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    log = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)  # kernels colour tracebacks
    return SiteBuild(build_dir, done.returncode, log)


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where ``sphinx.testing`` finds the sample sites: tests/sites/test-<testroot>."""
    return SITES


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    """The real docs, all languages, built cold into a temporary folder."""
    build = build_site(ROOT / "docs", tmp_path_factory.mktemp("site") / "_build")
    assert build.returncode == 0, build.log[-5000:]
    return build
