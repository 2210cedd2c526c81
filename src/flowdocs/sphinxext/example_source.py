"""``example-source``: show an example script (or part of it), highlighting lines by their text.

The directive's content names the lines a page talks about, one text fragment per line,
instead of their numbers, so the highlight follows the script when it is edited, and a fragment that
no longer occurs fails the build instead of highlighting the wrong line. Everything else is
Sphinx's ``literalinclude``, which also makes the page depend on the script.
"""

from __future__ import annotations

import os
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.directives.code import LiteralInclude, LiteralIncludeReader


class ExampleSource(LiteralInclude):
    """``literalinclude`` of ``<flowdocs_examples_dir>/<name>``; content lines are emphasized."""

    has_content = True

    def run(self):
        name = self.arguments[0]
        script = Path(self.config.flowdocs_examples_dir) / name
        if not script.is_file():
            raise self.error(f"example-source: no example script {script}")
        # Search the lines that will be shown (after :pyobject: and the like): Sphinx counts
        # emphasize-lines within the shown part.
        shown, _ = LiteralIncludeReader(str(script), self.options, self.config).read()
        lines = shown.splitlines()
        emphasized = []
        for fragment in filter(None, (line.strip() for line in self.content)):
            found = [n for n, line in enumerate(lines, start=1) if fragment in line]
            if not found:
                raise self.error(f"example-source: {name} shows no line containing {fragment!r}")
            emphasized += found
        if emphasized:
            self.options["emphasize-lines"] = ",".join(map(str, sorted(set(emphasized))))
        self.options.setdefault("caption", f"examples/{name}")
        self.options.setdefault("language", "python")
        self.options["lineno-match"] = True  # the script's own line numbers, also for a part
        docdir = Path(self.env.doc2path(self.env.docname)).parent
        self.arguments[0] = os.path.relpath(script, docdir)
        return super().run()


def setup(app: Sphinx) -> None:
    app.add_config_value("flowdocs_examples_dir", "", "env", str)
    app.add_directive("example-source", ExampleSource)
