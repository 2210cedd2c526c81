"""The command line every example shares: ``--device`` and ``--full``.

Examples call :func:`run` under ``if __name__ == "__main__":`` only, so importing an example
(as the site does) never parses somebody else's ``sys.argv``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from flowdocs.device import CHOICES, DEVICE_ENV, DeviceUnavailable


def run(main: Callable[..., object], doc: str | None, argv: list[str] | None = None) -> None:
    """Parse the shared options, call ``main(device=..., quick=...)``, exit 2 on a bad device."""
    prog = Path(sys.argv[0]).name
    parser = argparse.ArgumentParser(
        prog=prog, description=(doc or "").strip().splitlines()[0] if doc else None
    )
    parser.add_argument(
        "--device",
        default="auto",
        choices=CHOICES,
        help=f"where to run (default: auto = ROCm/CUDA GPU, else MPS, else CPU; ${DEVICE_ENV} "
        "overrides auto)",
    )
    parser.add_argument(
        "--full", action="store_true", help="larger models and more repetitions (slower)"
    )
    args = parser.parse_args(argv)
    try:
        main(device=args.device, quick=not args.full)
    except DeviceUnavailable as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
