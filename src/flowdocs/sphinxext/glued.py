"""Glued data in the reader's language: prose chosen by a measured outcome, tables of measured rows.

A glued value is data, the same in every language; the words around it must come from the page,
so that they are translated through its catalog. ``outcome`` keeps the one ``case`` whose value
equals the glued value (a sentence never presumes what was measured), and ``glued-table`` lays a
glued list of rows out under column headers written in the page.

Both read the glue data myst-nb saves for each executed page (``{glue:text}`` does the same for
``page.md::key``), once every page has been read. A glued value no case names, or a row that lacks
a column, is a build error rather than a silently missing sentence or cell.
"""

from __future__ import annotations

from ast import literal_eval

from docutils import nodes
from myst_nb.ext.glue.crossref import read_glue_cache
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from flowdocs.sphinxext.tables import TableDirective, fill

logger = logging.getLogger(__name__)


class outcome(nodes.General, nodes.Element):
    """The cases of one glued key; replaced by the matching case's content."""


class case(nodes.General, nodes.Element):
    """What the page says when the glued value equals ``value``."""


class glued_table(nodes.General, nodes.Element):
    """A table whose header is written in the page and whose rows come from glue data."""


def glue_reference(directive: SphinxDirective) -> dict[str, str]:
    """``refdoc`` and ``key`` of the directive's ``page.md::key`` argument."""
    page, separator, key = directive.arguments[0].partition("::")
    if not separator or not key:
        raise directive.error(f"{directive.name}: expected page.md::key, got {page!r}")
    _, path = directive.env.relfn2path(page, directive.env.docname)
    refdoc = directive.env.path2doc(path)
    if refdoc is None:
        raise directive.error(f"{directive.name}: no page {page!r}")
    return {"refdoc": refdoc, "key": key}


class OutcomeDirective(SphinxDirective):
    """``outcome page.md::key`` holding one ``case`` directive per possible value."""

    required_arguments = 1
    has_content = True

    def run(self) -> list[nodes.Node]:
        node = outcome(**glue_reference(self))
        self.set_source_info(node)
        self.state.nested_parse(self.content, self.content_offset, node)
        if not node.children or not all(isinstance(child, case) for child in node.children):
            raise self.error("outcome: its content must be case directives only")
        values = [child["value"] for child in node.children]
        if len(set(values)) != len(values):
            raise self.error(f"outcome: a value has two cases: {values}")
        return [node]


class CaseDirective(SphinxDirective):
    """``case VALUE``: its content is shown only when the outcome's glued value is VALUE."""

    required_arguments = 1
    has_content = True

    def run(self) -> list[nodes.Node]:
        node = case(value=self.arguments[0])
        self.set_source_info(node)
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


class GluedTableDirective(TableDirective):
    """``glued-table page.md::key``: the glued value is the list of rows (dicts)."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        table, columns = self.header_table()
        node = glued_table(columns=columns, **glue_reference(self))
        node += table
        return [node]


class ResolveGluedData(SphinxPostTransform):
    """Keep the matching case of every outcome and fill every glued table's rows."""

    default_priority = 4  # before myst-nb resolves {glue:text} (5): dropped cases resolve nothing
    formats = ("html",)  # not gettext: every case and header must reach the catalogs

    def run(self, **kwargs) -> None:
        for node in list(self.document.findall(outcome)):
            value = self.glued_value(node)
            if value is None:
                continue
            chosen = [child for child in node.children if child["value"] == str(value)]
            if not chosen:
                self.fail(node, f"outcome {node['key']}: no case for the glued value {value!r}")
                continue
            node.replace_self(chosen[0].children)
        for node in list(self.document.findall(glued_table)):
            rows = self.glued_value(node)
            if rows is None:
                continue
            table = node.children[0]
            missing = fill(table, node["columns"], rows)
            if missing:
                self.fail(node, f"glued-table {node['key']}: rows lack {missing}")
                continue
            node.replace_self(table)

    def glued_value(self, node: nodes.Element) -> object | None:
        """The value glued under the node's key, as ``{glue:text}`` reads it; None if absent."""
        folder = self.env.mystnb_config.output_folder
        output = read_glue_cache(folder, node["refdoc"]).get(node["key"])
        if output is None:
            self.fail(node, f"{node['refdoc']} glued no {node['key']!r}")
            return None
        return literal_eval(output["data"]["text/plain"])

    @staticmethod
    def fail(node: nodes.Element, message: str) -> None:
        logger.warning(message, location=node, type="flowdocs", subtype="glue")
        node.parent.remove(node)


def setup(app: Sphinx) -> None:
    for node in (outcome, case, glued_table):
        app.add_node(node)
    app.add_directive("outcome", OutcomeDirective)
    app.add_directive("case", CaseDirective)
    app.add_directive("glued-table", GluedTableDirective)
    app.add_post_transform(ResolveGluedData)
