"""Where-it-ran note: every executed page says, in its own language, where its outputs came from.

The device line is read from the page's own primary outputs (every example prints
``device = "..." (...)`` first), so the note can never disagree with the outputs below it; the
plan the build left says whether they were computed by this build or recorded on another machine
(when, at which commit, and by whom: this project's workflow or a contributor), and whether the
recording the build asked for was out of date.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.locale import _

from flowdocs.sphinxext.outputs import LIVE, origin_sentence, plan

DEVICE_LINE = 'device = "'


def device_line(doctree: nodes.document) -> str | None:
    for block in doctree.findall(nodes.literal_block):
        if "output" in block["classes"]:
            for line in block.astext().splitlines():
                if line.startswith(DEVICE_LINE):
                    return line
    return None


def note_text(page_plan: dict | None) -> list[str]:
    """The note's sentences (before the device line, and after it)."""
    if page_plan is None or page_plan["primary"] == LIVE:
        before = _("The outputs on this page were computed while this site was built, on:")
        if page_plan and page_plan["stale"]:
            stale = _("Recording {id} is out of date for this page: its code has changed since.")
            stale = stale.format(id=page_plan["stale"])
            before = f"{stale} {before}"
        after = []
    else:
        primary = page_plan["sources"][0]
        before = _("The outputs on this page come from a recording, made on:")
        date, commit = primary["recorded"][:10], primary["commit"]
        if commit:
            after = [
                _("Recorded on {date} (UTC), at commit {commit}.").format(date=date, commit=commit)
            ]
        else:
            after = [_("Recorded on {date} (UTC).").format(date=date)]
    if page_plan and len(page_plan["sources"]) > 1:
        after.append(_("The tabs on each output show the same code run on other machines."))
    return [before, *after]


def add_note(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    line = device_line(doctree)
    if line is None:
        return
    page_plan = plan(app.env, docname)
    before, *after = note_text(page_plan)
    paragraph = nodes.paragraph("", before + " ", nodes.literal(line, line))
    if after:
        paragraph += nodes.Text(" " + " ".join(after))
    if page_plan and page_plan["primary"] != LIVE:
        paragraph += nodes.Text("" if paragraph.astext().endswith("。") else " ")
        paragraph += origin_sentence(page_plan["sources"][0], app.config.flowdocs_repository)
    note = nodes.container(classes=["flowdocs-ran-on"])
    note += paragraph
    title = next(iter(doctree.findall(nodes.title)), None)
    section = title.parent if title is not None else doctree
    section.insert(section.index(title) + 1 if title is not None else 0, note)


def setup(app: Sphinx) -> None:
    app.connect("doctree-resolved", add_note)
