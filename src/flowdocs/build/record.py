"""Record every executed page on this machine, for builds on machines without its GPU.

Every page runs afresh, exactly as the docs build runs it, and the outputs go to
``docs/recordings/<id>/`` with their provenance (see ``flowdocs.build.store``). The id names the
device unless ``--id`` names it: ``rocm-gfx942``, ``cuda-sm90``, ``mps-arm64``, ``cpu-x86_64``.
Recording under an existing id replaces that recording whole, and only once every page ran.
A recording made in GitHub Actions names its run; one made anywhere else says it was contributed.

``--page NAME`` (repeatable, with ``--id``) runs only those pages and updates them inside the
existing recording, keeping its other pages. The recording must stay one machine's and one
maker's, and current as a whole, so the update is refused (one line, nothing changed) when this
machine's device or this run's maker differs from the recording's, or when another of its pages is
out of date for the code now. The recording's commit and time become this update's; each page
keeps the time it ran. The update is made in a copy and swapped in only once its pages ran.

Usage: ``python -m flowdocs.build.record [--id NAME [--page NAME ...]]``
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
from flowdocs.build.pages import Page, executed_pages
from flowdocs.build.store import (
    CONTRIBUTED,
    ID,
    MANIFEST,
    Store,
    StoreError,
    load,
    swap_in,
    workflow_run,
)
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


def chosen_pages(pages: list[Page], names: list[str]) -> list[Page]:
    """The pages ``--page`` names, each an executed page of the site."""
    by_name = {page.docname: page for page in pages}
    for name in names:
        if name not in by_name:
            raise SystemExit(
                f"flowdocs: --page {name}: no executed page of that name "
                f"(executed pages: {', '.join(by_name)})"
            )
    return [by_name[name] for name in sorted(set(names))]


def check_update(store: Store, pages: list[Page], chosen: list[Page]) -> None:
    """Refuse to update ``chosen`` alone when the recording's other pages are out of date."""
    stale = [
        page.docname
        for page in pages
        if page not in chosen and not store.current(page.docname, page.digest)
    ]
    if stale:
        raise SystemExit(
            f"flowdocs: recording {store.id} is also out of date for {', '.join(stale)}; "
            "record those pages too (--page), or every page"
        )
    maker = workflow_run(os.environ)
    if (store.provenance or CONTRIBUTED) != maker:
        made = "this project's workflow" if maker["by"] == "workflow" else "a contributor"
        raise SystemExit(
            f"flowdocs: recording {store.id} was not made by this run's maker ({made}); "
            "a recording has one maker: record every page under a new --id"
        )


def record_pages(docs: Path, build_dir: Path, name: str, names: list[str]) -> Path:
    """Execute the pages ``names`` into a copy of recording ``name``, then swap that copy in."""
    docs = docs.resolve()
    root = docs.parent
    final = docs / "recordings" / name
    if not final.is_dir():
        raise SystemExit(
            f"flowdocs: no recording {name!r} to update; record every page first: "
            f"nox -s record -- --id {name}"
        )
    try:
        store = load(final)
    except StoreError as error:
        raise SystemExit(str(error)) from None
    pages = executed_pages(docs, root / "examples")
    chosen = chosen_pages(pages, names)
    check_update(store, pages, chosen)
    staging = build_dir.resolve() / "recording.partial" / name
    shutil.rmtree(staging.parent, ignore_errors=True)
    shutil.copytree(final, staging)
    device, store.folder = store.device, staging
    store.recorded, store.commit = utc_now(), git_commit(root)

    def keep(execution: Execution) -> None:
        if (execution.device or {}) != device:
            raise StoreError(
                f"flowdocs: recording {name} was made on {device_label(device)}, this machine "
                f"runs {device_label(execution.device or {})}; record every page under a new --id"
            )
        store.put(execution)
        say(f"executed {execution.page.docname} in {execution.seconds:.1f} s")

    try:
        execute(chosen, root / "examples", keep)
    except ExecutionFailed as failed:
        raise SystemExit(f"{failed}\n\n{failed.traceback}".rstrip()) from None
    except StoreError as error:
        raise SystemExit(str(error)) from None
    store.save()
    check_private(store, root)
    try:
        load(staging)  # what the builds will read, checked as they check it
    except StoreError as error:
        raise SystemExit(str(error)) from None
    swap_in(staging, final)
    say(
        f"recorded {', '.join(page.docname for page in chosen)} into {final.relative_to(root)}; "
        f"build from it with: nox -s docs -- --outputs {name} --strict"
    )
    return final / MANIFEST


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m flowdocs.build.record", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="the Sphinx source folder")
    parser.add_argument("--build-dir", type=Path, default=Path("docs/_build"))
    parser.add_argument("--id", help="the recording's name (default: from the device)")
    parser.add_argument(
        "--page",
        action="append",
        metavar="NAME",
        help="record only this page (e.g. hands-on/kv-cache) into the recording --id names",
    )
    args = parser.parse_args(argv)
    if not (args.docs / "conf.py").is_file():
        parser.error(f"{args.docs} has no conf.py")
    if args.id is not None and not ID.fullmatch(args.id):
        parser.error(f"--id {args.id!r}: use lower-case letters, digits, '.', '_' and '-'")
    if args.page and args.id is None:
        parser.error("--page updates a recording: name it with --id")
    if args.page:
        record_pages(args.docs, args.build_dir, args.id, args.page)
    else:
        record(args.docs, args.build_dir, args.id)


if __name__ == "__main__":
    main()
