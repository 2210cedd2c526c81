"""What a lesson's ``--compare`` prints beside the reader's run: the site's machines, per lesson.

For each example a page runs, ``<build>/outputs/compare/<lesson>.json`` lists every source the
page shows (this build's own run, or the recordings chosen for it), each with its device, when
it ran and the values the page glues into its prose, in their printed form (``text/plain``,
as myst-nb keeps them). The stores were checked when loaded; plots are left out. The lesson
library reads this file (:mod:`flowdocs.compare`) in a clone, and the downloads carry it.
"""

from __future__ import annotations

import json
from pathlib import Path

from flowdocs.build.allowlist import TEXT
from flowdocs.build.pages import Page
from flowdocs.build.store import Store
from flowdocs.compare import MAX_VALUES, SCHEMA

MAX_TEXT = 200  # a glued value longer than this is a table's, not a number of the prose


def glued_values(store: Store, docname: str) -> dict[str, str]:
    """The page's glued values in ``store`` that print as one short text, by name."""
    values = {}
    for cell in store.cells(docname):
        for output in cell.outputs:
            glued = output.get("metadata", {}).get("scrapbook")
            if not isinstance(glued, dict) or not isinstance(glued.get("name"), str):
                continue
            text = output.get("data", {}).get(glued.get("mime_prefix", "") + TEXT)
            if isinstance(text, str) and len(text) <= MAX_TEXT and len(values) < MAX_VALUES:
                values[glued["name"]] = text
    return values


def machine(store: Store, docname: str) -> dict:
    return {
        "id": store.id,
        "device": store.device,
        "executed": store.pages[docname]["executed"],
        "glued": glued_values(store, docname),
    }


def site_data(page: Page, stores: list[Store]) -> dict:
    """A page's machines, as ``--compare`` reads them."""
    return {
        "schema": SCHEMA,
        "page": page.docname,
        "machines": [machine(store, page.docname) for store in stores],
    }


def lessons(page: Page, examples: Path) -> list[str]:
    """The example scripts a page runs, by their stem."""
    return [path.stem for path in page.inputs if path.parent == examples and path.suffix == ".py"]


def files(examples: Path, pages: list[Page], chosen: dict[str, list[Store]]) -> dict[str, str]:
    """``<lesson>.json`` and its text, for every lesson a page runs."""
    found = {}
    for page in pages:
        text = json.dumps(site_data(page, chosen[page.docname]), indent=1, ensure_ascii=False)
        for lesson in lessons(page, examples.resolve()):
            found.setdefault(f"{lesson}.json", text + "\n")
    return found
