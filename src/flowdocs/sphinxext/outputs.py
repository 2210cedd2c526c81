"""The outputs the build prepared, as Sphinx sees them: one plan per executed page.

``flowdocs.build.outputs`` executes the pages (or takes them from recordings) before Sphinx runs
and leaves, under ``flowdocs_outputs``, a jupyter-cache view for myst-nb and a plan file per page
saying where its outputs came from. A page depends on its plan file, so Sphinx reads it again
exactly when its outputs change. A page that runs code but has no plan was not prepared: myst-nb
would execute it here, once per language and without the build's checks, so that is an error.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.locale import _
from sphinx.util import logging

logger = logging.getLogger(__name__)
LIVE = "live"  # the source id of this build's own executions (flowdocs.build.outputs.LIVE)


def plan_path(env: BuildEnvironment, docname: str) -> Path | None:
    if not env.config.flowdocs_outputs:
        return None
    return Path(env.config.flowdocs_outputs, "plan", f"{docname}.json")


def plan(env: BuildEnvironment, docname: str) -> dict | None:
    """Where ``docname``'s outputs came from (``flowdocs.build.outputs.Plan``), if it runs code."""
    path = plan_path(env, docname)
    if path is None or not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def plans(env: BuildEnvironment) -> dict[str, dict]:
    """Every executed page's plan, by page name."""
    folder = plan_path(env, "index")
    if folder is None:
        return {}
    folder = folder.parent
    return {
        path.relative_to(folder).with_suffix("").as_posix(): json.loads(path.read_text("utf-8"))
        for path in sorted(folder.rglob("*.json"))
    }


def use_prepared_outputs(app: Sphinx, config: Config) -> None:
    """myst-nb reads the outputs from the build's view, which holds nothing stale."""
    if config.flowdocs_outputs:
        config.nb_execution_cache_path = str(Path(config.flowdocs_outputs, "jupyter_cache"))


def depend_on_plan(app: Sphinx, doctree: nodes.document) -> None:
    path = plan_path(app.env, app.env.docname)
    if path is None:
        return
    if path.is_file():
        app.env.note_dependency(str(path))
    elif any("cell" in node["classes"] for node in doctree.findall(nodes.container)):
        logger.warning(
            "this page runs code but its outputs were not prepared; build the site with "
            "python -m flowdocs.build.site (nox -s docs)",
            location=app.env.docname,
            type="flowdocs",
            subtype="outputs",
        )


def setup(app: Sphinx) -> None:
    app.add_config_value("flowdocs_outputs", "", "env", str)
    app.connect("config-inited", use_prepared_outputs)
    app.connect("doctree-read", depend_on_plan)


def device_label(device: dict) -> str:
    """``NVIDIA H100 80GB HBM3 · CUDA 12.8 · torch 2.11.0``; ``CPU x86_64 · torch 2.13.0``."""
    if device.get("backend") in ("rocm", "cuda"):
        parts = [device["name"], device.get("runtime")]
    else:
        parts = [f"{device.get('backend', '').upper()} {device.get('name', '').split(',')[0]}"]
    return " · ".join(filter(None, [*parts, f"torch {device.get('torch', '?')}"]))


def source_label(source: dict) -> str:
    """How a tab names where its outputs came from, in the page's language."""
    label = device_label(source["device"])
    return f"{_('This build')} · {label}" if source["id"] == LIVE else label


def workflow_run(source: dict, repository: str) -> str | None:
    """The page of the run of this project's workflow that made ``source``, if one did.

    A recording is data from whoever sent it: its run URL becomes a link only when it is a run
    of this project's own repository (``flowdocs_repository``, an https URL), digits and all.
    """
    made = source.get("provenance") or {}
    url, run = made.get("run_url"), made.get("run_id")
    if made.get("by") != "workflow" or not repository.startswith("https://"):
        return None
    if not isinstance(run, str) or not re.fullmatch(r"[0-9]+", run):
        return None
    return url if url == f"{repository.rstrip('/')}/actions/runs/{run}" else None


def provenance(source: dict, repository: str) -> nodes.inline:
    """Who made a recording, in the page's language: this project's workflow (its run linked)
    or a contributor."""
    url = workflow_run(source, repository)
    if url is None:
        return nodes.inline("", _("contributed"), classes=["flowdocs-provenance"])
    run = source["provenance"]["run_id"]
    before, _run, after = _("recorded by this project's workflow (run {run})").partition("{run}")
    link = nodes.reference(run, run, refuri=url)
    return nodes.inline("", before, link, nodes.Text(after), classes=["flowdocs-provenance"])


def origin_sentence(source: dict, repository: str) -> list[nodes.Node]:
    """``Recording ID, contributed.`` in the page's language, the run linked where there is one."""
    template = _("Recording {id}, {origin}.").replace("{id}", source["id"])
    before, _origin, after = template.partition("{origin}")
    return [nodes.Text(before), provenance(source, repository), nodes.Text(after)]


def memory_kinds() -> dict[str, str]:
    """What each kind of memory (``flowdocs.build.memory``) is, in the page's language."""
    return {
        "gpu-peak": _("peak allocated by PyTorch on the GPU"),
        "mps-after": _("MPS driver's allocation at the page's end"),
        "rss-peak": _("peak resident memory of the process"),
        "rss-peak-since-start": _("peak resident memory since the kernel started"),
    }


def memory_text(memory: dict | None) -> str:
    """``312.5 MiB (peak resident memory of the process)``, or that it was not recorded."""
    if not memory:
        return _("not recorded")
    size = memory["bytes"]
    amount = f"{size / 2**30:.2f} GiB" if size >= 2**30 else f"{size / 2**20:.1f} MiB"
    return f"{amount} ({memory_kinds()[memory['kind']]})"


def cost_sentence(source: dict) -> str:
    """``Executed in 12.3 s; memory: 312.5 MiB (…).`` in the page's language."""
    return _("Executed in {seconds} s; memory: {memory}.").format(
        seconds=f"{source['seconds']:.1f}", memory=memory_text(source.get("memory"))
    )
