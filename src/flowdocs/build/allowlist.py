"""What a store may hold: what the lessons print, within bounds, and nothing a browser would run.

myst-nb renders a notebook's outputs as they are: ``text/html`` raw, ``text/markdown`` as MyST
(which has a ``raw`` directive), ``application/javascript`` as a script, widget state as a script.
A recording is data from whoever made it, and its hashes prove only that nothing changed since,
so a store holds only the output types the lessons produce: stream text, ``text/plain``, PNG
images (checked to be PNGs within a pixel cap) and the glued values (myst-nb's ``glue`` writes
``text/plain`` or ``image/png`` under its own prefix, marked ``scrapbook``). The build's own
markers between machines are made while the build writes its view, from the store's checked id,
never read from a store. Tracebacks of cells tagged ``raises-exception`` are text too.

Every file is read under a size budget, so a huge or deeply nested file fails with one line
instead of a hang; each check raises ``ValueError`` saying what is wrong, and the store names
the file.
"""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path

MAX_BYTES = 2 * 1024 * 1024  # a whole recording: every page's notebook and its manifest
MAX_PIXELS = 4096 * 4096  # one image; the lessons' plots take well under a megapixel
GLUE_PREFIX = "application/papermill.record/"  # myst_nb.ext.glue.GLUE_PREFIX
TEXT, PNG = "text/plain", "image/png"
STREAMS = ("stdout", "stderr")
OUTPUT_KEYS = {
    "stream": {"output_type", "name", "text"},
    "display_data": {"output_type", "data", "metadata"},
    "execute_result": {"output_type", "data", "metadata", "execution_count"},
    "error": {"output_type", "ename", "evalue", "traceback"},
}
NOTEBOOK_KEYS = {"cells", "metadata", "nbformat", "nbformat_minor"}
CELL_KEYS = {"cell_type", "execution_count", "metadata", "outputs", "source", "id"}
CELL_METADATA = {"tags", "mystnb", "editable", "slideshow", "jupyter", "collapsed", "scrolled"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_json(path: Path, budget: int = MAX_BYTES) -> object:
    """``path``'s JSON, refused before reading when over ``budget`` bytes or when nested deeper
    than Python's parser goes (a recording nests a few levels)."""
    size = path.stat().st_size
    if size > budget:
        raise ValueError(f"takes {size / 2**20:.1f} MB; at most {budget / 2**20:.0f} MB")
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except RecursionError:
        raise ValueError("is nested too deeply to be a recording") from None
    except UnicodeDecodeError as error:
        raise ValueError(f"is not UTF-8 ({error.reason})") from None
    except ValueError as error:  # json.JSONDecodeError, or an integer of thousands of digits
        raise ValueError(f"is not valid JSON ({error})") from None


def text(value: object, what: str) -> str:
    """nbformat's multi-line text: a string, or a list of strings (its lines)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "".join(value)
    raise ValueError(f"{what} is not text")


def check_png(encoded: object, what: str) -> None:
    """A base64 PNG whose header says it is one, at most ``MAX_PIXELS`` large."""
    try:
        data = base64.b64decode("".join(text(encoded, what).split()), validate=True)
    except ValueError:
        raise ValueError(f"{what} is not base64") from None
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR" or len(data) < 33:
        raise ValueError(f"{what} is not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    if not width or not height or width * height > MAX_PIXELS:
        raise ValueError(f"{what} is {width} × {height} pixels; at most {MAX_PIXELS} pixels")


def check_data(output: dict, what: str) -> None:
    """A display's data: ``text/plain`` and PNG images, directly or glued."""
    data, metadata = output.get("data"), output.get("metadata", {})
    if not isinstance(data, dict) or not isinstance(metadata, dict):
        raise ValueError(f"{what}: its data is not a mapping")
    glued = metadata.get("scrapbook")
    prefix = ""
    if glued is not None:
        if not isinstance(glued, dict) or not isinstance(glued.get("name"), str):
            raise ValueError(f"{what}: its glue metadata is not myst-nb's")
        prefix = glued.get("mime_prefix", "")
        if prefix not in ("", GLUE_PREFIX):
            raise ValueError(f"{what}: glue prefix {prefix!r} is not myst-nb's")
    for mime, value in data.items():
        kind = mime.removeprefix(prefix)
        if not mime.startswith(prefix) or kind not in (TEXT, PNG):
            raise ValueError(f"{what}: output type {mime} is not one the lessons print")
        if kind == PNG:
            check_png(value, f"{what}: {mime}")
        else:
            text(value, f"{what}: {mime}")
    for key, value in metadata.items():
        if key == "scrapbook":
            continue
        size = isinstance(value, dict) and set(value) <= {"width", "height"}
        if key.removeprefix(prefix) != PNG or not size:
            raise ValueError(f"{what}: output metadata {key!r} is not one the lessons make")
        if not all(isinstance(number, int) for number in value.values()):
            raise ValueError(f"{what}: output metadata {key!r} is not a size in pixels")


def check_output(output: object, what: str) -> None:
    kind = output.get("output_type") if isinstance(output, dict) else None
    if kind not in OUTPUT_KEYS:
        raise ValueError(f"{what}: output type {kind!r} is not one the lessons print")
    extra = sorted(set(output) - OUTPUT_KEYS[kind])
    if extra:
        raise ValueError(f"{what}: {kind} output has {', '.join(extra)}")
    if not isinstance(output.get("execution_count"), int | None):
        raise ValueError(f"{what}: its execution count is not a number")
    if kind == "stream":
        if output.get("name") not in STREAMS:
            raise ValueError(f"{what}: stream {output.get('name')!r} is not stdout or stderr")
        text(output.get("text"), f"{what}: stream")
    elif kind == "error":
        for key in ("ename", "evalue"):
            text(output.get(key), f"{what}: error {key}")
        text(output.get("traceback"), f"{what}: error traceback")
    else:
        check_data(output, what)


def check_notebook(notebook: object) -> None:
    """A store's page: code cells and their outputs, nothing else (no widget state, no
    attachments, no markdown); ``ValueError`` names the cell and what is wrong."""
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ValueError("is not a notebook")
    metadata = notebook.get("metadata", {})
    if not isinstance(metadata, dict):
        raise ValueError("its metadata is not a mapping")
    extra = sorted(set(notebook) - NOTEBOOK_KEYS) or sorted(set(metadata) - {"kernelspec"})
    if extra:
        raise ValueError(f"notebook {', '.join(extra)} is not what a recording holds")
    for number, cell in enumerate(notebook["cells"], start=1):
        what = f"cell {number}"
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            raise ValueError(f"{what} is not a code cell: a recording holds code cells only")
        extra = sorted(set(cell) - CELL_KEYS)
        if extra:
            raise ValueError(f"{what} has {', '.join(extra)}")
        if not isinstance(cell.get("execution_count"), int | None):
            raise ValueError(f"{what}: its execution count is not a number")
        cell_metadata = cell.get("metadata", {})
        if not isinstance(cell_metadata, dict):
            raise ValueError(f"{what}: its metadata is not a mapping")
        extra = sorted(set(cell_metadata) - CELL_METADATA)
        if extra:
            raise ValueError(f"{what}: cell metadata {', '.join(extra)} is not a page's")
        outputs = cell.get("outputs")
        if not isinstance(outputs, list):
            raise ValueError(f"{what} has no outputs list")
        for output in outputs:
            check_output(output, what)
