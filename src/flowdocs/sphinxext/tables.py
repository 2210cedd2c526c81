"""Tables whose headers are written in the page, so translated, and whose rows are data.

A table directive's content is an optional title paragraph and a bullet list with one header per
column; ``:columns:`` names each column's key in the rows, with a format spec after a colon
(``.3f``, ``d``, ``.1%``) or ``code`` for a code name. The rows arrive later (from glue data, or
from what the build prepared), in a post-transform, through :func:`fill`.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective


def parse_columns(spec: str) -> list[tuple[str, str]]:
    """``"name:code, calls:d, share:.1%"`` -> [(key, format), ...]; the format may be empty."""
    columns = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key, _, fmt = item.partition(":")
        columns.append((key, fmt))
    return columns


class TableDirective(SphinxDirective):
    """A table with translated headers; subclasses add what says where its rows come from."""

    has_content = True
    option_spec = {"columns": directives.unchanged_required, "class": directives.class_option}

    def header_table(self) -> tuple[nodes.table, list[tuple[str, str]]]:
        """The table with its title and header row and an empty body, and its columns."""
        columns = parse_columns(self.options.get("columns", ""))
        parsed = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, parsed)
        lists = [child for child in parsed.children if isinstance(child, nodes.bullet_list)]
        titles = [child for child in parsed.children if isinstance(child, nodes.paragraph)]
        if len(lists) != 1 or len(lists) + len(titles) != len(parsed.children) or len(titles) > 1:
            raise self.error(f"{self.name}: write an optional title paragraph and one bullet list")
        headers = [item.children for item in lists[0].children]
        if not columns or len(headers) != len(columns):
            raise self.error(
                f"{self.name}: {len(headers)} headers for {len(columns)} :columns: entries"
            )
        table = nodes.table(classes=["flowdocs-data-table", *self.options.get("class", [])])
        self.set_source_info(table)
        if titles:
            table += nodes.title("", "", *titles[0].children)
        group = nodes.tgroup(cols=len(columns))
        table += group
        group += [nodes.colspec(colwidth=1) for _ in columns]
        group += nodes.thead("", nodes.row("", *(nodes.entry("", *h) for h in headers)))
        group += nodes.tbody()
        return table, columns


def cell(value: object, fmt: str) -> nodes.entry:
    """One body cell: a code name, nodes made already, or the value formatted like
    ``{glue:text}`` would."""
    if isinstance(value, nodes.Node):
        return nodes.entry("", nodes.paragraph("", "", value))
    if fmt == "code":
        return nodes.entry("", nodes.paragraph("", "", nodes.literal(str(value), str(value))))
    text = format(value, fmt)
    classes = ["flowdocs-number"] if isinstance(value, int | float) else []
    return nodes.entry("", nodes.paragraph("", text), classes=classes)


def fill(table: nodes.table, columns: list[tuple[str, str]], rows: list[dict]) -> list[str]:
    """Add ``rows`` to the table's body; return the column keys some row lacks (nothing added)."""
    missing = sorted({key for row in rows for key, _ in columns if key not in row})
    if not missing:
        body = next(table.findall(nodes.tbody))
        for row in rows:
            body += nodes.row("", *(cell(row[key], fmt) for key, fmt in columns))
    return missing
