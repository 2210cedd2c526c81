"""A changed static file re-renders every page: each page links it with a checksum.

Sphinx writes ``flowdocs.css?v=<checksum>`` into every page, so that browsers fetch a changed
file instead of their cached copy; but it only rewrites the pages whose sources changed. Comparing
the static files with the last build here marks every page out of date when one of them changed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment


def static_digest(app: Sphinx) -> str:
    digest = hashlib.sha256()
    for folder in app.config.html_static_path:
        root = Path(app.confdir, folder)
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(f"{path.relative_to(root)}\0".encode() + path.read_bytes())
    return digest.hexdigest()


def outdated_by_static_files(
    app: Sphinx, env: BuildEnvironment, added: set, changed: set, removed: set
) -> list[str]:
    digest = static_digest(app)
    if getattr(env, "flowdocs_static_digest", digest) == digest:
        env.flowdocs_static_digest = digest
        return []
    env.flowdocs_static_digest = digest
    return sorted(env.found_docs)


def setup(app: Sphinx) -> None:
    app.connect("env-get-outdated", outdated_by_static_files)
