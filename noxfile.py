# /// script
# dependencies = ["nox>=2025.2.9", "uv"]
# ///
"""Every way to build or check flowdocs; the README names two: `nox -s docs`, `nox -s tests`.

Set-up: sessions install with uv. When the Python running nox lacks uv, nox makes itself a small
environment with nox and uv (.nox/_nox_script_mode, from the block above) and runs from there.
The build sessions (docs, docs-live, i18n, tests) share one environment, `build-env`.

torch: this machine and CI install ``torch==2.13.0`` (a CPU build). Choose another with
``FLOWDOCS_TORCH`` (a pip requirement) and ``FLOWDOCS_TORCH_INDEX`` (a wheel index, e.g. for ROCm
or CUDA; with an index and no ``FLOWDOCS_TORCH``, the newest torch it serves). Or set
``FLOWDOCS_TORCH=preinstalled`` to use a torch you already have, in the system Python, a virtual
environment or a conda environment: see `preinstalled_torch`.
"""

import functools
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import nox
from packaging.requirements import Requirement

nox.needs_version = ">=2025.2.9"
nox.options.sessions = ["lint", "tests"]
nox.options.default_venv_backend = "uv|venv"
# nox's own check that a reused environment was made from the same Python: a preinstalled torch
# may move to another Python between runs, and its .pth must not outlive that.
os.environ.setdefault("NOX_ENABLE_STALENESS_CHECK", "1")

PYPROJECT = nox.project.load_toml("pyproject.toml")
TORCH_INDEX = os.environ.get("FLOWDOCS_TORCH_INDEX")
# A wheel index serves its own versions: pinning one it lacks would fail, so take its newest.
TORCH = os.environ.get("FLOWDOCS_TORCH", "torch" if TORCH_INDEX else "torch==2.13.0")
PREINSTALLED = TORCH == "preinstalled"
# An installed torch satisfies an unpinned requirement, and one of the same version satisfies a
# pin whatever index it came from: then the shared environment is made afresh, else reused.
REUSE_BUILD_ENV = not TORCH_INDEX and (PREINSTALLED or "==" in TORCH)
OUTER_PTH = "_flowdocs_preinstalled_torch.pth"
# uv installs without compiling bytecode; where PYTHONDONTWRITEBYTECODE is set too, every run
# would compile torch from source again (import torch: 2.1 s with bytecode, 3.5-4 s without).
# The sessions' environments are nox's own, so let Python cache the bytecode there.
KEEP_BYTECODE = {"PYTHONDONTWRITEBYTECODE": None}
# Which torch a session imports: version, its GPU runtime and the folder it was loaded from.
SHOW_TORCH = (
    "import os, torch; "
    "print(f'using torch {torch.__version__} (torch.version.hip={torch.version.hip}, "
    "torch.version.cuda={torch.version.cuda}) from {os.path.dirname(torch.__file__)}')"
)
# Run by each candidate Python: where torch is, without importing it (that takes seconds).
PROBE = """
import importlib.metadata, importlib.util, json, os, site
spec = importlib.util.find_spec("torch")
dirs = site.getsitepackages() + ([site.getusersitepackages()] if site.ENABLE_USER_SITE else [])
if spec:
    dirs.insert(0, os.path.dirname(os.path.dirname(spec.origin)))
    version = importlib.metadata.version("torch")
    print(json.dumps({"version": version, "site_dirs": list(dict.fromkeys(dirs))}))
"""


def python_the_shell_ran() -> str | None:
    """The Python whose nox (or ``python -m nox``) the shell started, unactivated or not.

    nox may since have moved itself into an environment of its own (.nox/_nox_script_mode), so
    ``sys.executable`` no longer names it. bash and zsh pass the command's path as ``$_``: a
    Python, or a pip-installed ``nox`` script whose first line is ``#!<its Python>``.
    """
    command = Path(os.environ.get("_", ""))
    if command.name.startswith("python"):
        return str(command)
    try:
        with command.open("rb") as script:
            first_line = script.readline(1024).decode().strip()
    except (OSError, UnicodeDecodeError):
        return None
    python = first_line.removeprefix("#!").split(" ")[0]
    return python if first_line.startswith("#!") and "python" in Path(python).name else None


def candidate_pythons() -> list[str]:
    """Where a ROCm user's torch lives: FLOWDOCS_PYTHON alone when set, else the Python whose
    nox the shell ran, the Python running nox, the active conda environment, the active virtual
    environment, then python3 on PATH."""
    if named := os.environ.get("FLOWDOCS_PYTHON"):
        return [named]
    found = [python for python in (python_the_shell_ran(), sys.executable) if python]
    for variable in ("CONDA_PREFIX", "VIRTUAL_ENV"):
        if prefix := os.environ.get(variable):
            found.append(str(Path(prefix, "bin", "python")))
    # PATH less nox's own folder: nox may run from an environment it made (.nox/_nox_script_mode).
    own = os.path.dirname(sys.executable)
    path = os.pathsep.join(d for d in os.environ["PATH"].split(os.pathsep) if d != own)
    found += filter(None, (shutil.which(name, path=path) for name in ("python3", "python")))
    return list(dict.fromkeys(found))


def preinstalled_torch() -> tuple[str, dict] | None:
    """The first candidate Python that has torch, and what `PROBE` says about it.

    nox's own ``--system-site-packages`` reaches only the base interpreter, not a virtual or
    conda environment, so the session instead gets a .pth file naming that Python's site dirs.
    """
    for python in candidate_pythons():
        try:
            done = subprocess.run([python, "-c", PROBE], capture_output=True, text=True)
        except OSError:
            continue
        if done.returncode == 0 and done.stdout.strip():
            return python, json.loads(done.stdout)
    return None


OUTER = preinstalled_torch() if PREINSTALLED else None
# The session's Python is the one that holds torch (its extension modules need that version);
# virtualenv, because pip must see the outer packages (uv would install a second torch).
TORCH_SESSION = {"python": OUTER[0], "venv_backend": "virtualenv"} if OUTER else {}


@functools.cache
def local_wheels() -> dict[str, str]:
    """pip's --find-links (config files or environment) for uv, which does not read pip's
    configuration: torch then comes from the same local wheels as with pip. Commands that run
    uv or nox again inherit it."""
    if "UV_FIND_LINKS" in os.environ:
        return {}
    # A uv-made environment has no pip; the pip on PATH reads the same configuration files.
    has_pip = importlib.util.find_spec("pip")
    pip = [sys.executable, "-m", "pip"] if has_pip else [shutil.which("pip3") or "pip"]
    try:
        done = subprocess.run([*pip, "config", "list"], capture_output=True, text=True)
    except OSError:
        return {}
    links = [
        link
        for key, _, value in (line.partition("=") for line in done.stdout.splitlines())
        if key.endswith(".find-links")
        for link in value.strip("'\"").split()
    ]
    return {"UV_FIND_LINKS": ",".join(dict.fromkeys(links))} if links else {}


def use_preinstalled_torch(session: nox.Session) -> None:
    """Make the outer Python's packages importable here, or stop with one line saying why."""
    if OUTER is None:
        looked = ", ".join(candidate_pythons())
        session.error(
            f"FLOWDOCS_TORCH=preinstalled: no torch importable from {looked}; "
            "set FLOWDOCS_PYTHON=/path/to/bin/python of the environment that holds torch"
        )
    python, found = OUTER
    wanted = next(
        r for r in map(Requirement, PYPROJECT["project"]["dependencies"]) if r.name == "torch"
    )
    if found["version"] not in wanted.specifier:
        session.error(
            f"FLOWDOCS_TORCH=preinstalled: {python} has torch {found['version']}, "
            f"flowdocs needs {wanted}"
        )
    lines = "".join(f"import site; site.addsitedir({d!r})\n" for d in found["site_dirs"])
    site_packages(session).joinpath(OUTER_PTH).write_text(lines)


def site_packages(session: nox.Session) -> Path:
    code = "import sysconfig; print(sysconfig.get_path('purelib'))"
    return Path(session.run("python", "-c", code, silent=True).strip())


def install(session: nox.Session, *groups: str) -> None:
    """torch (or the preinstalled one), then flowdocs and the groups; then say which torch."""
    if PREINSTALLED:
        use_preinstalled_torch(session)
    else:
        site_packages(session).joinpath(OUTER_PTH).unlink(missing_ok=True)  # left by a past run
        index = ["--index-url", TORCH_INDEX] if TORCH_INDEX else []
        session.install(TORCH, *index, env=local_wheels())
    requirements = nox.project.dependency_groups(PYPROJECT, *groups)
    session.install("-e", ".", *dict.fromkeys(requirements))  # groups include each other
    session.run("python", "-c", SHOW_TORCH)


@nox.session(name="build-env", default=False, reuse_venv=REUSE_BUILD_ENV, **TORCH_SESSION)
def build_env(session: nox.Session) -> None:
    """The one environment the build sessions share; it is updated before each of them."""
    install(session, "docs", "live", "test")


def npm_packages(session: nox.Session) -> None:
    """Lighthouse and a static server from npm (package.json), the only npm packages: the site
    and the other checks need Python alone. ``npm ci`` when node_modules is missing or older
    than package-lock.json; without npm, stop with one line."""
    installed = Path("node_modules", ".package-lock.json")
    lock = Path("package-lock.json")
    if installed.is_file() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    if shutil.which("npm") is None:
        session.error("nox -s lighthouse needs Node.js and npm (apt-get install nodejs npm)")
    session.run("npm", "ci", "--no-audit", "--no-fund", external=True)


def run_in_build_env(
    session: nox.Session, program: str, *args: str, env: dict[str, str] | None = None
) -> None:
    """Run a program of the shared environment, as if that environment were activated."""
    location = session.cache_dir.parent / "build-env"
    scripts = location / ("Scripts" if os.name == "nt" else "bin")
    path = os.pathsep.join([str(scripts), os.environ["PATH"]])
    env = {
        "VIRTUAL_ENV": str(location),
        "PATH": path,
        **local_wheels(),
        **KEEP_BYTECODE,
        **(env or {}),
    }
    session.run(str(scripts / program), *args, env=env)


@nox.session(venv_backend="none", requires=["build-env"])
def docs(session: nox.Session) -> None:
    """Build the deployable site (every language) into docs/_build/site."""
    run_in_build_env(session, "python", "-m", "flowdocs.build.site", *session.posargs)


@nox.session(name="docs-live", default=False, venv_backend="none", requires=["build-env"])
def docs_live(session: nox.Session) -> None:
    """Serve English with live reload while you edit pages or examples."""
    run_in_build_env(
        session, "sphinx-autobuild", "docs", "docs/_build/live/en",
        "--watch", "examples", "--watch", "src",
        "--pre-build", "python -m flowdocs.build.outputs",  # execute what changed, first
        *session.posargs,
    )  # fmt: skip


@nox.session(venv_backend="none", requires=["build-env"])
def i18n(session: nox.Session) -> None:
    """Extract messages without executing pages, update locale/*.po, print coverage."""
    run_in_build_env(session, "python", "-m", "flowdocs.build.i18n", *session.posargs)


@nox.session(venv_backend="none", requires=["build-env"])
def tests(session: nox.Session) -> None:
    """Run the test suite (it builds the site in a temporary folder too)."""
    run_in_build_env(session, "pytest", *session.posargs)


@nox.session(default=False, **TORCH_SESSION)
def bench(session: nox.Session) -> None:
    """Run every example at full size and check the speed targets; results in build/bench.json."""
    install(session)
    session.run("python", "-m", "flowdocs.build.bench", *session.posargs, env=KEEP_BYTECODE)


@nox.session(default=False, venv_backend="none", requires=["build-env"])
def record(session: nox.Session) -> None:
    """Record every executed page on this machine into docs/recordings/<id> (-- --id NAME);
    with --page PAGE, record only that page into the existing recording."""
    run_in_build_env(session, "python", "-m", "flowdocs.build.record", *session.posargs)


@nox.session(name="check-recordings", venv_backend="none", requires=["build-env"])
def check_recordings(session: nox.Session) -> None:
    """Check every recording in docs/recordings and print what a reviewer must read."""
    run_in_build_env(session, "python", "-m", "flowdocs.build.check_recordings", *session.posargs)


@nox.session(name="bench-docs", default=False, venv_backend="none", requires=["build-env"])
def bench_docs(session: nox.Session) -> None:
    """Time rebuilds, cold builds and a fresh set-up; results in build/bench-docs.json."""
    run_in_build_env(session, "python", "-m", "flowdocs.build.bench_docs", *session.posargs)


@nox.session(default=False, venv_backend="none", requires=["build-env"])
def lighthouse(session: nox.Session) -> None:
    """Lighthouse on every page of every language (mobile, served compressed) against the
    targets; scores in build/lighthouse.json. Needs node and npm."""
    npm_packages(session)
    with socket.socket() as probe:  # a free port: the site is built for the URL it is served at
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run_in_build_env(
        session, "pytest", "tests/test_lighthouse.py", *session.posargs,
        env={"FLOWDOCS_LIGHTHOUSE": "1", "FLOWDOCS_SITE_URL": f"http://127.0.0.1:{port}"},
    )  # fmt: skip


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
