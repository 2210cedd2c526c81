"""Record every executed page on this machine, for builds on machines without its GPU.

Every page runs afresh, exactly as the docs build runs it, and the outputs go to
``docs/recordings/<id>/`` with their provenance (see ``flowdocs.build.store``). The id names the
device unless ``--id`` names it: ``rocm-gfx942``, ``cuda-sm90``, ``mps-arm64``, ``cpu-x86_64``.
Recording under an existing id replaces that recording whole, and only once every page ran.
A recording made in GitHub Actions names its run; one made anywhere else says it was contributed.

Usage: ``python -m flowdocs.build.record [--id NAME]``
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
from pathlib import Path

from flowdocs.build.allowlist import MAX_BYTES
from flowdocs.build.execute import Execution, ExecutionFailed, execute, utc_now
from flowdocs.build.outputs import say
from flowdocs.build.pages import executed_pages
from flowdocs.build.store import ID, MANIFEST, Store, StoreError, load, workflow_run
from flowdocs.sphinxext.outputs import device_label

# What a recording must not reveal of the machine it was made on.
MACHINE_PATH = re.compile(r"/(home|root|tmp|Users|private|var/folders)/")


def default_id(device: dict) -> str:
    backend, arch = device.get("backend", "cpu"), device.get("arch")
    if backend in ("rocm", "cuda") and arch:
        return f"{backend}-{arch.replace('_', '')}"
    return f"{backend}-{platform.machine().lower()}"


def git_commit(root: Path) -> str | None:
    """The project's commit, ``-dirty`` when the work tree has changes; None outside git."""
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            cwd=root,
            capture_output=True,
            text=True,
        )
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


def check_private(store: Store, root: Path) -> None:
    """Refuse a recording that would publish a path of this machine, or that is too large."""
    size = 0
    for path in sorted(store.folder.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        size += len(text.encode())
        if str(root) in text or MACHINE_PATH.search(text):
            raise SystemExit(
                f"flowdocs: {path.name}: its outputs show a path of this machine; "
                "a recording is published, so print paths relative to the project"
            )
    if size > MAX_BYTES:
        most = f"{MAX_BYTES / 2**20:.0f} MB"
        raise SystemExit(f"flowdocs: the recording takes {size / 2**20:.1f} MB; at most {most}")


def record(docs: Path, build_dir: Path, name: str | None) -> Path:
    """Execute every page into a staging folder, then put it in ``docs/recordings/<id>``."""
    docs = docs.resolve()
    root = docs.parent
    staging = build_dir.resolve() / "recording.partial"
    shutil.rmtree(staging, ignore_errors=True)
    store = Store(staging, "", {}, utc_now(), git_commit(root), provenance=workflow_run(os.environ))

    def keep(execution: Execution) -> None:
        store.put(execution)
        say(f"executed {execution.page.docname} in {execution.seconds:.1f} s")

    try:
        execute(executed_pages(docs, root / "examples"), root / "examples", keep)
    except ExecutionFailed as failed:
        raise SystemExit(f"{failed}\n\n{failed.traceback}".rstrip()) from None
    except StoreError as error:
        raise SystemExit(str(error)) from None
    store.id = name or default_id(store.device)
    store.save()
    check_private(store, root)
    final = docs / "recordings" / store.id
    final.parent.mkdir(exist_ok=True)
    shutil.rmtree(final, ignore_errors=True)
    shutil.move(staging, final)
    try:
        load(final)  # what the builds will read, checked as they check it
    except StoreError as error:
        shutil.rmtree(final)
        raise SystemExit(str(error)) from None
    say(
        f"recorded {len(store.pages)} pages on {device_label(store.device)} into "
        f"{final.relative_to(root)}; build from it with: nox -s docs -- --outputs {store.id}"
    )
    return final / MANIFEST


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m flowdocs.build.record", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="the Sphinx source folder")
    parser.add_argument("--build-dir", type=Path, default=Path("docs/_build"))
    parser.add_argument("--id", help="the recording's name (default: from the device)")
    args = parser.parse_args(argv)
    if not (args.docs / "conf.py").is_file():
        parser.error(f"{args.docs} has no conf.py")
    if args.id is not None and not ID.fullmatch(args.id):
        parser.error(f"--id {args.id!r}: use lower-case letters, digits, '.', '_' and '-'")
    record(args.docs, args.build_dir, args.id)


if __name__ == "__main__":
    main()
