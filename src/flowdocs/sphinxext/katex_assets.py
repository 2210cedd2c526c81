"""Math served from the site itself: KaTeX's stylesheet and fonts, copied from npm's ``katex``.

``sphinxcontrib.katex`` typesets every formula while the site builds (``katex_prerender``), so
a page needs no script, only KaTeX's stylesheet and the fonts it names; by default that
stylesheet comes from a CDN. This copies both from ``flowdocs_katex_dir`` (``npm ci`` puts
them in ``node_modules/katex/dist``) into ``_static/katex`` and points the page there.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinxcontrib import katex

STATIC_FOLDER = "katex"

# sphinxcontrib-katex talks to its node typesetter over a Unix socket and connects as soon as
# the socket file exists, which on a busy machine can be before node listens: the build then
# dies with ConnectionRefusedError (seen here in one build of five). Its TCP variant, written
# for Windows, retries until the server answers; use it everywhere, with time for a slow start.
katex.KaTeXServer.start_server_process = classmethod(
    katex.KaTeXServer.start_network_socket.__func__
)
katex.STARTUP_TIMEOUT = 30.0


def katex_dist(app: Sphinx) -> Path:
    """The npm package's ``dist`` folder, checked: present, same KaTeX as the typesetter.

    A missing piece stops the build with one line (SystemExit): Sphinx would wrap any error
    raised here in a crash report that asks the reader to file a bug against Sphinx.
    """
    dist = Path(app.config.flowdocs_katex_dir)
    package = dist.parent / "package.json"
    if not (dist / "katex.min.css").is_file() or not package.is_file():
        raise SystemExit(f"flowdocs: KaTeX is missing from {dist}: run `npm ci` first")
    found = json.loads(package.read_text(encoding="utf-8"))["version"]
    if found != katex.katex_version:
        raise SystemExit(
            f"flowdocs: {package} has KaTeX {found}, but sphinxcontrib-katex typesets with "
            f"{katex.katex_version}: pin katex {katex.katex_version} in package.json"
        )
    if app.config.katex_prerender and shutil.which(katex.NODEJS_BINARY) is None:
        raise SystemExit("flowdocs: typesetting math needs node (Node.js): install it, `npm ci`")
    return dist


def serves_math(app: Sphinx) -> bool:
    return "sphinxcontrib.katex" in app.extensions and app.builder.format == "html"


def use_local_stylesheet(app: Sphinx) -> None:
    if not serves_math(app):
        return
    katex_dist(app)
    app.config.katex_css_path = f"{STATIC_FOLDER}/katex.min.css"


def copy_assets(app: Sphinx, exception: Exception | None) -> None:
    """The stylesheet and its woff2 fonts (every browser that runs the site reads woff2)."""
    if exception is not None or not serves_math(app):
        return
    dist, target = katex_dist(app), Path(app.outdir) / "_static" / STATIC_FOLDER
    (target / "fonts").mkdir(parents=True, exist_ok=True)
    shutil.copy2(dist / "katex.min.css", target / "katex.min.css")
    for font in (dist / "fonts").glob("*.woff2"):
        shutil.copy2(font, target / "fonts" / font.name)


def setup(app: Sphinx) -> None:
    app.add_config_value("flowdocs_katex_dir", "", "html", str)
    # Before sphinxcontrib.katex's own builder-inited handler adds the stylesheet link.
    app.connect("builder-inited", use_local_stylesheet, priority=400)
    app.connect("build-finished", copy_assets)
