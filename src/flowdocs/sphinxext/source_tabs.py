"""One tab per machine on every executed output, the same machine chosen on the whole page.

When recordings from other machines are current for a page, the build puts every source's outputs
of a cell one after the other, each behind an ``output-source`` marker (a one-line MyST output that
myst-nb renders like any other). Here each cell's outputs become a sphinx-design tab set with one
tab per marker, labelled with the device in the page's language; the tabs share a sync group, so
choosing a machine once shows that machine on every output of the page. A recording's tab says
first who made it: this project's workflow (its run linked) or a contributor; every tab says how
long the page ran there and how much memory it took.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx_design.shared import create_component

from flowdocs.sphinxext.outputs import LIVE, cost_sentence, origin_sentence, plan, source_label

SYNC_GROUP = "flowdocs-source"


class source_marker(nodes.General, nodes.Element):
    """Where the outputs of one source start, inside a cell's outputs."""


class OutputSource(SphinxDirective):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        return [source_marker(source=self.arguments[0])]


def marker_of(node: nodes.Node) -> source_marker | None:
    if isinstance(node, nodes.Element):
        return next(iter(node.findall(source_marker)), None)
    return None


def tab(
    source: dict, children: list[nodes.Node], selected: bool, repository: str
) -> nodes.container:
    label = source_label(source)
    rubric = nodes.rubric(label, label, classes=["sd-tab-label"])
    rubric["sync_group"], rubric["sync_id"] = SYNC_GROUP, source["id"]
    caption = [nodes.paragraph("", cost_sentence(source))]
    if source["id"] != LIVE:
        caption.insert(0, nodes.paragraph("", "", *origin_sentence(source, repository)))
    children = [nodes.container("", *caption, classes=["flowdocs-origin"]), *children]
    content = create_component("tab-content", classes=["sd-tab-content"], children=children)
    return create_component(
        "tab-item", classes=["sd-tab-item"], children=[rubric, content], selected=selected
    )


def group_outputs(app: Sphinx, doctree: nodes.document) -> None:
    page_plan = plan(app.env, app.env.docname)
    if page_plan is None or len(page_plan["sources"]) < 2:
        return
    sources = {source["id"]: source for source in page_plan["sources"]}
    for outputs in list(doctree.findall(nodes.container)):
        if "cell_output" not in outputs["classes"] or marker_of(outputs) is None:
            continue
        groups: list[tuple[str, list[nodes.Node]]] = []
        for child in outputs.children:
            found = marker_of(child)
            if found is not None:
                groups.append((found["source"], []))
            elif groups:
                groups[-1][1].append(child)
        tab_set = create_component("tab-set", classes=["sd-tab-set", "flowdocs-sources"])
        for index, (source, children) in enumerate(groups):
            tab_set += tab(sources[source], children, index == 0, app.config.flowdocs_repository)
        outputs.children = []
        outputs += tab_set


def setup(app: Sphinx) -> None:
    app.add_node(source_marker)
    app.add_directive("output-source", OutputSource)
    app.connect("doctree-read", group_outputs)
