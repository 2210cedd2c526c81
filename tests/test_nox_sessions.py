"""nox sessions run as a user runs them, in a copy of the project: a torch preinstalled in a
virtual environment, the one-line failure when there is none, docs-live serving and reloading, and
a clean clone built where Python is all there is.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, copy_project


def user_env(**variables: str) -> dict[str, str]:
    """This process's environment without the choices of the nox run that started the tests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOWDOCS_", "NOX_"))}
    env.pop("VIRTUAL_ENV", None)
    return env | variables


def run(command: list, cwd: Path, env: dict, timeout: int = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    print(done.stdout[-3000:], done.stderr[-3000:])  # shown by pytest when the test fails
    return done


def make_venv(path: Path, *packages: str) -> Path:
    """A virtual environment as a user makes one, with pip; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    python = path / "bin" / "python"
    if packages:
        install = [str(python), "-m", "pip", "install", "--quiet", "--no-compile", *packages]
        subprocess.run(install, check=True)
    return python


def site_packages(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_path('purelib'))"
    return Path(subprocess.check_output([str(python), "-c", code], text=True).strip())


@pytest.mark.parametrize("activated", [True, False])
def test_preinstalled_torch_in_a_venv_is_imported_and_never_installed_twice(tmp_path, activated):
    """A venv holding torch and nox, activated or not: `FLOWDOCS_TORCH=preinstalled nox -s bench`
    typed in bash (stopped early by `-- --help`, after the session's environment is ready)."""
    project = copy_project(tmp_path / "project")
    torch = f"torch=={importlib.metadata.version('torch')}"  # the wheel this environment has
    user_python = make_venv(tmp_path / "user-venv", torch, "nox")
    user_site = site_packages(user_python)
    freeze = [str(user_python), "-m", "pip", "freeze", "--all"]
    before = subprocess.check_output(freeze, text=True)

    env = user_env(FLOWDOCS_TORCH="preinstalled")
    if activated:
        env["VIRTUAL_ENV"] = str(user_python.parent.parent)
        env["PATH"] = os.pathsep.join([str(user_python.parent), env["PATH"]])
    typed = f"{user_python.parent / 'nox'} -s bench -- --help"  # bash passes the path as $_
    done = run(["bash", "-c", typed], project, env)
    assert done.returncode == 0
    assert f"from {user_site / 'torch'}" in done.stdout + done.stderr

    nox_python = project / ".nox" / "bench" / "bin" / "python"
    listed = json.loads(
        subprocess.check_output(
            [str(nox_python), "-m", "pip", "list", "--format=json", "--verbose"], text=True
        )
    )
    assert [p["location"] for p in listed if p["name"] == "torch"] == [str(user_site)]
    assert not (site_packages(nox_python) / "torch").exists()
    assert subprocess.check_output(freeze, text=True) == before  # the user's venv is untouched


def test_preinstalled_without_torch_stops_with_one_line(tmp_path):
    project = copy_project(tmp_path / "project")
    bare = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    env = user_env(FLOWDOCS_TORCH="preinstalled", FLOWDOCS_PYTHON=str(bare / "bin" / "python"))
    done = run([sys.executable, "-m", "nox", "-s", "bench"], project, env)
    assert done.returncode != 0
    reasons = [line for line in done.stderr.splitlines() if "aborted:" in line]
    assert len(reasons) == 1, done.stderr
    assert str(bare / "bin" / "python") in reasons[0]
    assert "set FLOWDOCS_PYTHON=" in reasons[0]
    assert "Traceback" not in done.stdout + done.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for(condition, seconds: float, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert server.poll() is None, "nox -s docs-live stopped"
        assert time.monotonic() < deadline, f"not within {seconds} s"
        time.sleep(1)


def test_docs_live_serves_english_and_shows_an_edit(tmp_path, built_site):
    """The real session, with the outputs the site tests already executed (so it executes
    nothing); the server runs in its own process group and is always stopped."""
    project = copy_project(tmp_path / "project", outputs_from=built_site)
    port = free_port()
    command = [sys.executable, "-m", "nox", "-s", "docs-live", "--"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    log = (tmp_path / "docs-live.log").open("w")
    server = subprocess.Popen(
        command, cwd=project, env=user_env(), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    page = f"http://127.0.0.1:{port}/index.html"
    try:
        wait_for(lambda: fetch(page) is not None, 600, server)
        assert "see how a neural network runs" in fetch(page)
        marker = f"Edited while serving {time.time_ns()}."
        with (project / "docs" / "index.md").open("a") as index:
            index.write(f"\n{marker}\n")
        wait_for(lambda: marker in (fetch(page) or ""), 300, server)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
        print((tmp_path / "docs-live.log").read_text()[-3000:])


# What a stock rocm/pytorch container lacks: Node.js, a browser, gettext's tools.
NOT_IN_A_CONTAINER = ("node", "nodejs", "npm", "npx", "chromium", "msgfmt", "msgmerge", "xgettext")
MATH_PAGES = ("hands-on/inference", "hands-on/training", "hands-on/kv-cache")


def path_without(programs: tuple[str, ...], links: Path) -> str:
    """This PATH with ``programs`` gone: a folder holding one of them is replaced by a folder of
    links to everything else in it, so python3, git and the rest stay reachable."""
    folders = []
    for number, folder in enumerate(os.environ["PATH"].split(os.pathsep)):
        if not any(os.path.lexists(os.path.join(folder, name)) for name in programs):
            folders.append(folder)
            continue
        kept = links / str(number)
        kept.mkdir(parents=True)
        for entry in Path(folder).iterdir():
            if entry.name not in programs:
                (kept / entry.name).symlink_to(entry)
        folders.append(str(kept))
    return os.pathsep.join(folders)


def clean_clone(target: Path) -> Path:
    """``git clone`` of this checkout, at its committed HEAD (a worktree's branch included)."""
    head = subprocess.check_output(["git", "rev-parse", "HEAD"], cwd=ROOT, text=True).strip()
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(target)], check=True)
    subprocess.run(["git", "checkout", "--quiet", head], cwd=target, check=True)
    return target


def test_a_clean_clone_builds_with_python_alone(tmp_path):
    """The README's `nox -s docs`, then `nox -s i18n`, in a clean clone with no Node.js, browser
    or gettext tools on PATH: every language's site, its math typeset and served by itself."""
    project = clean_clone(tmp_path / "clone")
    env = user_env(PATH=path_without(NOT_IN_A_CONTAINER, tmp_path / "bin"))
    assert [shutil.which(name, path=env["PATH"]) for name in NOT_IN_A_CONTAINER] == [None] * 8
    for session in ("docs", "i18n"):
        done = run([sys.executable, "-m", "nox", "-s", session], project, env, timeout=1500)
        assert done.returncode == 0, session
    assert not (project / "node_modules").exists()

    site = project / "docs" / "_build" / "site"
    for language in ("en", "ja", "ko"):
        for page in MATH_PAGES:
            html = (site / language / f"{page}.html").read_text(encoding="utf-8")
            assert '<span class="katex">' in html and "<math " in html, (language, page)
            assert "katex-error" not in html
            assert re.search(r'<link [^>]*href="\.\./_static/katex/katex\.min\.css', html)
        training = (site / language / "hands-on" / "training.html").read_text(encoding="utf-8")
        assert training.count("<mtr>") == 2  # the aligned formula's two rows
        css = site / language / "_static" / "katex" / "katex.min.css"
        fonts = re.findall(r"url\((fonts/[^)]+\.woff2)\)", css.read_text())
        assert fonts and all((css.parent / font).is_file() for font in fonts)
        for path in (site / language).rglob("*.html"):
            elsewhere = r'<(link|script)\b[^>]*\b(href|src)="(https?:)?//'
            assert not re.search(elsewhere, path.read_text(encoding="utf-8")), path
