"""Shared fixtures: Sphinx's own test app, and the real site built once per test session."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from flowdocs.build.bench_docs import fresh_copy

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


def build_site(
    docs: Path, build_dir: Path, *options: str, module: str = "site", env: dict | None = None
) -> SiteBuild:
    """Run ``python -m flowdocs.build.<module>`` as nox does on CI; keep its whole output.

    CI machines set ``CI=true``, which turns on colours and in-place progress lines in Sphinx:
    the build's log must stay one plain line per page there too. ``env`` adds variables.
    """
    command = [sys.executable, "-m", f"flowdocs.build.{module}", "--docs", str(docs)]
    command += ["--build-dir", str(build_dir), *options]
    env = {**os.environ, "CI": "true", **(env or {})}
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
    log = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)  # kernels colour tracebacks
    return SiteBuild(build_dir, done.returncode, log)


def copy_project(target: Path, outputs_from: SiteBuild | None = None) -> Path:
    """A copy of the project as a fresh clone has it, to change freely; returns its folder.

    With ``outputs_from``, that build's executed outputs come along: the copy's pages run the
    same code, so they are current there and nothing executes again.
    """
    fresh_copy(ROOT, target)
    if outputs_from is not None:
        live = Path("outputs", "live")
        shutil.copytree(outputs_from.build_dir / live, target / "docs" / "_build" / live)
    return target


def notebook_page(title: str, code: str) -> str:
    """A MyST notebook page with one code cell."""
    front = "---\nfile_format: mystnb\nkernelspec:\n  name: python3\n  display_name: Python 3\n---"
    return f"{front}\n\n# {title}\n\n```{{code-cell}} python\n{code}\n```\n"


def executed(log: str) -> list[str]:
    """The pages the build executed, in order."""
    return re.findall(r"^flowdocs: executed (\S+) in", log, re.M)


def written(log: str, language: str) -> set[str]:
    """The pages Sphinx wrote for ``language``."""
    return set(re.findall(rf"^\[{language}\] writing output\.\.\. \[\s*\d+%\] (\S+)", log, re.M))


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """``folder`` served from 127.0.0.1 on a free port, as a static host would serve it."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


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
