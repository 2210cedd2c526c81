"""The environment page: where every executed page's outputs came from, and with what.

``build-environment pages|versions|recordings`` is a table (headers written in the page, so
translated) filled from what the build left: the plan of every executed page (its seconds and
memory too), the versions of the packages this build ran with, and the recordings in the
repository with who made each (this project's workflow, its run linked, or a contributor) and how
many pages each still matches (a sentence, where there is none). The page depends on every plan
and recording, so it is rebuilt when they change.
"""

from __future__ import annotations

import json
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.locale import _
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

from flowdocs.sphinxext.outputs import (
    LIVE,
    device_label,
    memory_text,
    plan_path,
    plans,
    provenance,
)
from flowdocs.sphinxext.tables import TableDirective, fill

PACKAGES = ("torch", "sphinx", "myst-nb", "myst-parser", "sphinx-design", "jupyter-cache")
KINDS = ("pages", "versions", "recordings")
logger = logging.getLogger(__name__)


class environment_table(nodes.General, nodes.Element):
    """A table whose rows this build knows only once every page has been read."""


def recording_manifests(srcdir: Path) -> list[Path]:
    return sorted((srcdir / "recordings").glob("*/recording.json"))


class BuildEnvironmentDirective(TableDirective):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        kind = self.arguments[0]
        if kind not in KINDS:
            raise self.error(f"build-environment: choose one of {', '.join(KINDS)}")
        table, columns = self.header_table()
        index = plan_path(self.env, "index")
        for path in [
            *(index.parent.rglob("*.json") if index else []),
            *recording_manifests(Path(self.env.srcdir)),
        ]:
            self.env.note_dependency(str(path))
        node = environment_table(kind=kind, columns=columns)
        node += table
        return [node]


def when(timestamp: str | None) -> str:
    return f"{timestamp[:10]} {timestamp[11:16]} UTC" if timestamp else "—"


def page_rows(page_plans: dict[str, dict]) -> list[dict]:
    rows = []
    for docname, plan in page_plans.items():
        primary = plan["sources"][0]
        if plan["primary"] != LIVE:
            status = _("recording, current")
        elif plan["stale"]:
            status = _("recording {id} out of date: executed on the build machine").format(
                id=plan["stale"]
            )
        else:
            status = _("executed on the build machine")
        rows.append(
            {
                "page": docname,
                "source": _("this build") if plan["primary"] == LIVE else plan["primary"],
                "status": status,
                "device": device_label(primary["device"]),
                "seconds": primary["seconds"],
                "memory": memory_text(primary.get("memory")),
                "executed": when(primary["executed"]),
                "tabs": ", ".join(source["id"] for source in plan["sources"][1:]) or "—",
            }
        )
    return rows


def version_rows() -> list[dict]:
    rows = [{"package": "python", "version": platform.python_version()}]
    for package in PACKAGES:
        try:
            rows.append({"package": package, "version": version(package)})
        except PackageNotFoundError:
            rows.append({"package": package, "version": "—"})
    return rows


def recording_rows(srcdir: Path, page_plans: dict[str, dict], repository: str) -> list[dict]:
    rows = []
    for path in recording_manifests(srcdir):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        current = sum(
            any(source["id"] == manifest["id"] for source in plan["sources"])
            for plan in page_plans.values()
        )
        rows.append(
            {
                "id": manifest["id"],
                "device": device_label(manifest["device"]),
                "recorded": when(manifest["recorded"]),
                "commit": manifest["commit"] or "—",
                "origin": provenance(manifest, repository),
                "current": f"{current} / {len(page_plans)}",
            }
        )
    return rows


class ResolveEnvironment(SphinxPostTransform):
    default_priority = 4
    formats = ("html",)

    def run(self, **kwargs) -> None:
        for node in list(self.document.findall(environment_table)):
            table, rows = node.children[0], self.rows(node["kind"])
            if not rows and node["kind"] == "recordings":  # a table of headers says nothing
                node.replace_self(nodes.paragraph(text=_("No recording is in the repository.")))
                continue
            missing = fill(table, node["columns"], rows)
            if missing:
                logger.warning(f"build-environment: no column {missing}", location=node)
                node.parent.remove(node)
            else:
                node.replace_self(table)

    def rows(self, kind: str) -> list[dict]:
        if kind == "versions":
            return version_rows()
        page_plans = plans(self.env)
        if kind == "pages":
            return page_rows(page_plans)
        return recording_rows(Path(self.env.srcdir), page_plans, self.config.flowdocs_repository)


def setup(app: Sphinx) -> None:
    app.add_node(environment_table)
    app.add_directive("build-environment", BuildEnvironmentDirective)
    app.add_post_transform(ResolveEnvironment)
