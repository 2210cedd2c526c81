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
from docutils.parsers.rst import directives
from myst_nb.ext.glue.crossref import read_glue_cache
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

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


def parse_columns(spec: str) -> list[tuple[str, str]]:
    """``"name:code, calls:d, share:.1%"`` -> [(key, format), ...]; format may be empty."""
    columns = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key, _, fmt = item.partition(":")
        columns.append((key, fmt))
    return columns


class GluedTableDirective(SphinxDirective):
    """``glued-table page.md::key`` with ``:columns:`` and a bullet list of header texts.

    ``:columns:`` names the key of each column in the glued rows (a list of dicts) with an
    optional format spec after a colon (``.3f``, ``d``, ``.1%``), or ``code`` for a code name.
    A paragraph before the list becomes the table's title.
    """

    required_arguments = 1
    has_content = True
    option_spec = {"columns": directives.unchanged_required, "class": directives.class_option}

    def run(self) -> list[nodes.Node]:
        columns = parse_columns(self.options.get("columns", ""))
        parsed = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, parsed)
        lists = [child for child in parsed.children if isinstance(child, nodes.bullet_list)]
        titles = [child for child in parsed.children if isinstance(child, nodes.paragraph)]
        if len(lists) != 1 or len(lists) + len(titles) != len(parsed.children) or len(titles) > 1:
            raise self.error("glued-table: write an optional title paragraph and one bullet list")
        headers = [item.children for item in lists[0].children]
        if not columns or len(headers) != len(columns):
            raise self.error(
                f"glued-table: {len(headers)} headers for {len(columns)} :columns: entries"
            )
        table = nodes.table(classes=["flowdocs-glued-table", *self.options.get("class", [])])
        self.set_source_info(table)
        if titles:
            table += nodes.title("", "", *titles[0].children)
        group = nodes.tgroup(cols=len(columns))
        table += group
        group += [nodes.colspec(colwidth=1) for _ in columns]
        head_row = nodes.row()
        for header in headers:
            head_row += nodes.entry("", *header)
        group += nodes.thead("", head_row)
        group += nodes.tbody()
        node = glued_table(columns=columns, **glue_reference(self))
        node += table
        return [node]


def cell(value: object, fmt: str) -> nodes.entry:
    """One body cell: a code name, or the value formatted like ``{glue:text}`` would."""
    if fmt == "code":
        return nodes.entry("", nodes.paragraph("", "", nodes.literal(str(value), str(value))))
    text = format(value, fmt)
    classes = ["flowdocs-number"] if isinstance(value, int | float) else []
    return nodes.entry("", nodes.paragraph("", text), classes=classes)


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
            missing = {key for row in rows for key, _ in node["columns"] if key not in row}
            if missing:
                self.fail(node, f"glued-table {node['key']}: rows lack {sorted(missing)}")
                continue
            table = node.children[0]
            body = next(table.findall(nodes.tbody))
            for row in rows:
                body += nodes.row("", *(cell(row[key], fmt) for key, fmt in node["columns"]))
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
