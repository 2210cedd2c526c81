"""The command line every example shares: ``--device``, ``--compare``, and ``--full`` where it
changes something.

An example parses its options before it imports torch, so ``--help`` and a mistyped option
answer at once; this module therefore imports torch only when the lesson runs. Examples call
:func:`parse` and :func:`run` under ``if __name__ == "__main__":`` only, so importing an
example (as the site does) never parses somebody else's ``sys.argv``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

CHOICES = ("auto", "cpu", "cuda", "mps")  # --device; flowdocs.device resolves them
DEVICE_ENV = "FLOWDOCS_DEVICE"


def parse(doc: str | None, full: bool, argv: list[str] | None = None) -> argparse.Namespace:
    """The example's options; ``full`` offers ``--full`` (larger sizes, longer timings).

    In a Jupyter kernel (a notebook made from the example) the process's arguments are the
    kernel's own, so the defaults are used instead.
    """
    parser = argparse.ArgumentParser(
        prog=Path(sys.argv[0]).name, description=(doc or "").strip().split("\n")[0] or None
    )
    parser.add_argument(
        "--device",
        default="auto",
        choices=CHOICES,
        help=f"where to run (default: auto = ROCm/CUDA GPU, else MPS, else CPU; ${DEVICE_ENV} "
        "overrides auto)",
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="then print your results beside those of every machine the site shows for this lesson",
    )
    parser.set_defaults(full=False)
    if full:
        parser.add_argument(
            "--full", action="store_true", help="larger sizes and longer measurements (slower)"
        )
    if argv is None and "ipykernel" in sys.modules:
        argv = []
    return parser.parse_args(argv)


def run(
    main: Callable[..., object],
    options: argparse.Namespace,
    page_values: Callable[[object], dict[str, object]],
) -> None:
    """Call ``main(device=..., quick=...)``; a device this machine lacks exits 2 in one line.

    With ``--compare``, ``page_values`` (the lesson's result as its page glues it) is printed
    beside the site's machines (:mod:`flowdocs.compare`).
    """
    from flowdocs.compare import CompareError, comparison
    from flowdocs.device import DeviceUnavailable  # imports torch: only once the lesson runs

    script = Path(sys.argv[0])
    try:
        result = main(device=options.device, quick=not options.full)
    except DeviceUnavailable as err:
        print(f"{script.name}: error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    if options.compare:
        try:
            print(f"\n{comparison(script, result.device, page_values(result), options.full)}")
        except CompareError as err:
            print(f"{script.name}: error: {err}", file=sys.stderr)
            raise SystemExit(1) from None
