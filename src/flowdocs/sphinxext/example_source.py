"""``example-source``: show an example script, highlighting lines by their text.

The directive's content names the lines a page talks about, one text fragment per line,
instead of their numbers, so the highlight follows the script when it is edited, and a fragment that
no longer occurs fails the build instead of highlighting the wrong line. Everything else is
Sphinx's ``literalinclude``, which also makes the page depend on the script.
"""

from __future__ import annotations

import os
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.directives.code import LiteralInclude


class ExampleSource(LiteralInclude):
    """``literalinclude`` of ``<flowdocs_examples_dir>/<name>``; content lines are emphasized."""

    has_content = True

    def run(self):
        name = self.arguments[0]
        script = Path(self.config.flowdocs_examples_dir) / name
        if not script.is_file():
            raise self.error(f"example-source: no example script {script}")
        lines = script.read_text(encoding="utf-8").splitlines()
        emphasized = []
        for fragment in filter(None, (line.strip() for line in self.content)):
            found = [n for n, line in enumerate(lines, start=1) if fragment in line]
            if not found:
                raise self.error(f"example-source: {name} has no line containing {fragment!r}")
            emphasized += found
        if emphasized:
            self.options["emphasize-lines"] = ",".join(map(str, sorted(set(emphasized))))
        self.options.setdefault("caption", f"examples/{name}")
        self.options.setdefault("language", "python")
        self.options["linenos"] = True
        docdir = Path(self.env.doc2path(self.env.docname)).parent
        self.arguments[0] = os.path.relpath(script, docdir)
        return super().run()


def setup(app: Sphinx) -> None:
    app.add_config_value("flowdocs_examples_dir", "", "env", str)
    app.add_directive("example-source", ExampleSource)
