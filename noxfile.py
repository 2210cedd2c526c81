"""Every way to build or check flowdocs; the README names two: `nox -s docs`, `nox -s tests`.

torch: this machine and CI install ``torch==2.13.0`` (a CPU build). Choose another with
``FLOWDOCS_TORCH`` (a pip requirement) and ``FLOWDOCS_TORCH_INDEX`` (a wheel index, e.g. for ROCm or
CUDA), or set ``FLOWDOCS_TORCH=preinstalled`` to use the torch already installed in the Python
that runs nox (a ROCm container's): the session's environment then sees the system packages.
"""

import os
import socket

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.default_venv_backend = "venv"

PYPROJECT = nox.project.load_toml("pyproject.toml")
TORCH = os.environ.get("FLOWDOCS_TORCH", "torch==2.13.0")
TORCH_INDEX = os.environ.get("FLOWDOCS_TORCH_INDEX")
PREINSTALLED = TORCH == "preinstalled"
VENV_PARAMS = ["--system-site-packages"] if PREINSTALLED else []


def install(session: nox.Session, *groups: str) -> None:
    """torch first (so `pip install .` never pulls an unpinned build), then flowdocs and groups."""
    if PREINSTALLED:
        session.run(
            "python", "-c", "import torch; print('using preinstalled torch', torch.__version__)"
        )
    else:
        session.install(TORCH, *(["--index-url", TORCH_INDEX] if TORCH_INDEX else []))
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, *groups))


@nox.session(venv_params=VENV_PARAMS)
def docs(session: nox.Session) -> None:
    """Build the deployable site (every language) into docs/_build/site."""
    install(session, "docs")
    session.run("python", "-m", "flowdocs.site", *session.posargs)


@nox.session(name="docs-live", default=False, venv_params=VENV_PARAMS)
def docs_live(session: nox.Session) -> None:
    """Serve English with live reload while you edit pages or examples."""
    install(session, "live")
    session.run(
        "sphinx-autobuild", "docs", "docs/_build/live/en",
        "--watch", "examples", "--watch", "src", *session.posargs,
    )  # fmt: skip


@nox.session(venv_params=VENV_PARAMS)
def i18n(session: nox.Session) -> None:
    """Extract messages without executing pages, update locale/*.po, print coverage."""
    install(session, "docs")
    session.run("python", "-m", "flowdocs.i18n", *session.posargs)


@nox.session(venv_params=VENV_PARAMS)
def tests(session: nox.Session) -> None:
    """Run the test suite (it builds the site in a temporary folder too)."""
    install(session, "test")
    session.run("pytest", *session.posargs)


@nox.session(default=False, venv_params=VENV_PARAMS)
def bench(session: nox.Session) -> None:
    """Run every example at full size and check the speed targets; results in build/bench.json."""
    install(session)
    session.run("python", "-m", "flowdocs.bench", *session.posargs)


@nox.session(default=False, venv_params=VENV_PARAMS)
def lighthouse(session: nox.Session) -> None:
    """Lighthouse on every page of every language (mobile, served compressed) against the
    targets; scores in build/lighthouse.json. Needs node and npm."""
    install(session, "test")
    session.run("npm", "ci", "--no-audit", "--no-fund", external=True)
    with socket.socket() as probe:  # a free port: the site is built for the URL it is served at
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    session.run(
        "pytest", "tests/test_lighthouse.py", *session.posargs,
        env={"FLOWDOCS_LIGHTHOUSE": "1", "FLOWDOCS_SITE_URL": f"http://127.0.0.1:{port}"},
    )  # fmt: skip


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
