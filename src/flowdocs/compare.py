"""``--compare``: the reader's results beside every machine the site shows for the lesson.

The site's numbers are the values its page glues into the prose (a lesson's ``page_values``),
one set per machine: this build's own run and each current recording. The build writes them,
per lesson, from stores it has already checked (``flowdocs.build.outputs``); a downloaded
script carries that file as one more entry of its bundle (:data:`SITE_DATA` beside this
module), and in a checkout it lies in the docs build's outputs. Either way it is data from
whoever made the recordings: read as JSON within bounds, checked, and printed as plain text.

A number compares only under the same conditions: where the thread count differs, a machine
was busy, or the reader ran ``--full`` (the site runs the quick sizes: its pages call
``main()``), the column says so above its values.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

SITE_DATA = "site.json"  # a download's bundle entry, beside this module
CHECKOUT_DATA = ("docs", "_build", "outputs", "compare")  # in a clone, <lesson>.json there
SCHEMA = 1
MAX_BYTES = 2**20
MAX_MACHINES = 32
MAX_VALUES = 256
WIDTH = 24  # of a column; longer text is cut
SCALARS = (bool, int, float, str)


class CompareError(Exception):
    """Site data that cannot be used; ``str()`` is one line."""


def bundled_text() -> str | None:
    """The site data a downloaded script carries, or None (a checkout has no such entry)."""
    get_data = getattr(__spec__.loader, "get_data", None)
    if get_data is None:
        return None
    try:
        data = get_data(os.path.join(os.path.dirname(__spec__.origin), SITE_DATA))
    except OSError:
        return None
    if len(data) > MAX_BYTES:
        raise CompareError(f"the bundled {SITE_DATA} is larger than {MAX_BYTES} bytes")
    return data.decode("utf-8")


def checkout_file(script: Path) -> Path:
    """Where a clone's docs build left the site data of ``script`` (examples/<lesson>.py)."""
    return script.resolve().parent.parent.joinpath(*CHECKOUT_DATA, f"{script.stem}.json")


def read_site(script: Path) -> tuple[dict | None, str]:
    """The site data for ``script`` and where it came from; None where there is none."""
    text, origin = bundled_text(), "this download"
    if text is None:
        path, origin = checkout_file(script), str(checkout_file(script))
        if not path.is_file():
            return None, origin
        if path.stat().st_size > MAX_BYTES:
            raise CompareError(f"{path}: larger than {MAX_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except ValueError:
        raise CompareError(f"{origin}: the site data is not JSON") from None
    problem = site_problem(data)
    if problem:
        raise CompareError(f"{origin}: {problem}")
    return data, origin


def is_texts(mapping: object, limit: int) -> bool:
    return (
        isinstance(mapping, dict)
        and len(mapping) <= limit
        and all(isinstance(v, str | None) for v in mapping.values())
    )


def site_problem(data: object) -> str | None:
    """What is wrong with the site data, if anything."""
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return f"the site data's schema is not {SCHEMA}"
    machines = data.get("machines")
    if not isinstance(machines, list) or len(machines) > MAX_MACHINES:
        return f"'machines' is not a list of at most {MAX_MACHINES}"
    for machine in machines:
        if not (
            isinstance(machine, dict)
            and all(isinstance(machine.get(k), str) for k in ("id", "executed"))
            and is_texts(machine.get("device"), MAX_VALUES)
            and is_texts(machine.get("glued"), MAX_VALUES)
        ):
            return "a machine needs an id, a device, when it ran and its glued values, as text"
    return None


def plain(text: object) -> str:
    """Text fit for one cell of a terminal table: printable characters only, cut to fit."""
    text = "".join(c if c.isprintable() else "?" for c in str(text))
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


def shown(text: str | None) -> str:
    """A glued value's printed form (``repr``, as myst-nb keeps it) as the table shows it."""
    if text is None:
        return "—"
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return plain(text[1:-1])
    try:
        number = float(text)
    except ValueError:
        return plain(text)
    return plain(text if text.lstrip("-").isdigit() else f"{number:.5g}")


def no_compare(site: dict[str, str], yours: dict[str, str], full: bool) -> str | None:
    """Why a machine's numbers do not compare with the reader's, and which; None: they do."""
    reasons = []
    threads = site.get("threads"), yours.get("threads")
    if None not in threads and threads[0] != threads[1]:
        reasons.append(f"it ran {shown(threads[0])} threads, you {shown(threads[1])}")
    if site.get("machine") == repr("busy"):
        reasons.append("it was busy while timing")
    if yours.get("machine") == repr("busy"):
        reasons.append("yours was busy while timing")
    which = "timings and verdicts"
    if full:  # the pages call main(): the quick sizes
        reasons.insert(0, "you ran --full, the site the quick sizes")
        which = "numbers"
    return f"{'; '.join(reasons)}: its {which} do not compare with yours" if reasons else None


def column_title(machine_id: str) -> str:
    return "this build" if machine_id == "live" else machine_id


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def comparison(script: Path, device: object, values: dict[str, object], full: bool) -> str:
    """The reader's values (``page_values`` of their run on ``device``, a ``DeviceInfo``)
    beside every machine of the site's data for ``script``, with the reasons a column does
    not compare; one line instead where the site's data names no machine."""
    yours = {key: repr(value) for key, value in values.items() if isinstance(value, SCALARS)}
    data, origin = read_site(script)
    machines = data["machines"] if data else []
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    columns = [("you", vars(device), today, yours)]
    columns += [
        (column_title(m["id"]), m["device"], m["executed"][:10], m["glued"]) for m in machines
    ]
    rows = [
        ["", *(plain(title) for title, *_ in columns)],
        ["device", *(plain(d.get("name") or d.get("backend")) for _, d, *_ in columns)],
        ["backend", *(plain(d.get("backend")) for _, d, *_ in columns)],
        ["runtime", *(plain(d.get("runtime") or "—") for _, d, *_ in columns)],
        ["torch", *(plain(d.get("torch")) for _, d, *_ in columns)],
        ["date", *(plain(date) for _, _, date, _ in columns)],
    ]
    notes = []
    if machines:
        compares = ["compares", "—"]
        for title, _, _, glued in columns[1:]:
            why = no_compare(glued, yours, full)
            if why:
                notes.append(f"[{len(notes) + 1}] {plain(title)}: {why}")
            compares.append(f"no [{len(notes)}]" if why else "yes")
        rows.append(compares)
    rows += [[plain(key), *(shown(glued.get(key)) for *_, glued in columns)] for key in yours]
    if machines:
        head = f"{script.name} --compare: your run beside the site's machines ({origin})"
    elif data:
        head = f"{script.name} --compare: the site knew no machine's results when it was built"
    else:
        head = (
            f"{script.name} --compare: no machine of the site is known here (build the "
            "site with nox -s docs, or download the lesson from its page)"
        )
    return "\n".join([head, "", table(rows), *([""] + notes if notes else [])])
