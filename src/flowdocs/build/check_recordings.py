"""Check every recording in ``docs/recordings`` and summarise what a reviewer must read.

A recording arrives in a pull request as thousands of lines of notebook JSON. This checks what a
machine can check — the manifest, the hashes, that it holds only what the lessons print, within
bounds (all as the build loads it), that each page it lists is an executed page of ``docs/`` and
that the commit it names is in the repository's history — and prints, per recording and page,
what only a person can judge: the device, the date, who made it, and the printed lines and
glued values that differ from this build's own run of the same code. Timings differ from run to
run and device lines differ between machines: the reviewer reads them, the check does not judge
them. Any failed check exits non-zero.

Usage: ``python -m flowdocs.build.check_recordings`` (``nox -s check-recordings``).
"""

from __future__ import annotations

import argparse
import difflib
import subprocess
from pathlib import Path

from flowdocs.build.outputs import LIVE, load_live, run_live, say
from flowdocs.build.pages import executed_pages
from flowdocs.build.store import Store, StoreError, load
from flowdocs.sphinxext.outputs import device_label


def printable(line: str) -> str:
    """``line`` with control and formatting characters (ANSI escapes, bidi overrides) spelled
    out, so that recorded text cannot rewrite or hide what the reviewer's terminal shows."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in line)


def git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)


def commit_problem(root: Path, commit: str | None) -> str | None:
    """Why the recording's commit cannot be found in ``root``'s history, if it cannot."""
    if commit is None:
        return "names no commit (recorded outside a git checkout): record it in a clone"
    name = commit.removesuffix("-dirty")
    if git(root, "cat-file", "-e", f"{name}^{{commit}}").returncode == 0:
        return None
    shallow = git(root, "rev-parse", "--is-shallow-repository")
    if shallow.returncode != 0:
        return f"commit {commit}: {root} is not a git checkout, so it cannot be checked"
    if shallow.stdout.strip() == "true":
        return (
            f"commit {commit} is not in this clone's history, which is shallow: "
            "fetch it whole (git fetch --unshallow) and check again"
        )
    return f"commit {commit} is not in the repository's history"


def printed(store: Store, docname: str) -> list[str]:
    """What a page printed and glued, line by line, as a reviewer compares it."""
    lines = []
    for cell in store.cells(docname):
        for output in cell.outputs:
            glued = output.get("metadata", {}).get("scrapbook")
            if output.output_type == "stream":
                lines += output.text.splitlines()
            elif output.output_type == "error":
                lines += [f"{output.ename}: {output.evalue}"]
            elif glued:
                value = output.data.get(f"{glued.get('mime_prefix', '')}text/plain", "")
                lines.append(f"glued {glued['name']} = {value}")
            else:
                lines += output.data.get("text/plain", "").splitlines()
    return lines


def differing(live: Store, recording: Store, docname: str) -> list[str]:
    """The lines of this build's run (-) and of the recording (+) that differ."""
    diff = difflib.unified_diff(
        printed(live, docname), printed(recording, docname), lineterm="", n=0
    )
    return [printable(line) for line in list(diff)[2:] if not line.startswith("@@")]


def provenance_lines(store: Store, root: Path) -> list[str]:
    made = store.provenance or {}
    if made.get("by") != "workflow":
        return ["made by: a contributor (not this project's workflow): read every line below"]
    manifest = (store.folder / "recording.json").relative_to(root)
    return [
        f"made by: the workflow of {made['repository']}, run {made['run_url']}",
        f"its attestation: gh attestation verify {manifest} --repo {made['repository']}",
    ]


def review(store: Store, live: Store, digests: dict[str, str], root: Path) -> list[str]:
    """Print one recording's summary; return its problems."""
    problems = [
        f"{store.notebook_path(docname)}: {docname}.md is no executed page of the docs"
        for docname in store.pages
        if docname not in digests
    ]
    problem = commit_problem(root, store.commit)
    if problem:
        problems.append(f"{store.folder / 'recording.json'}: {problem}")
    commit = f"at commit {store.commit}" if store.commit else "at no commit"
    print(f"\nrecording {store.id}: {printable(device_label(store.device))}")
    print(f"  recorded {store.recorded} {commit}")
    if store.commit and store.commit.endswith("-dirty"):
        print("  from a work tree with uncommitted changes: its pages' code hashes decide")
    for line in provenance_lines(store, root):
        print(f"  {printable(line)}")
    for docname in sorted(set(store.pages) & set(digests)):
        state = "current" if store.current(docname, digests[docname]) else "out of date"
        lines = differing(live, store, docname)
        print(f"  page {docname} ({state}): {len(lines)} printed lines differ from this build's")
        for line in lines:
            print(f"    {line}")
    return problems


def check(docs: Path, build_dir: Path) -> int:
    """Check and summarise every recording of ``docs``; the number of problems found."""
    docs = docs.resolve()
    root, examples = docs.parent, docs.parent / "examples"
    found = sorted((docs / "recordings").glob("*"))
    folders = [path for path in found if path.is_dir() and not path.is_symlink()]
    if not found:
        say(f"no recording in {docs / 'recordings'}: nothing to check")
        return 0
    problems = [f"{path}: not a recording's folder" for path in found if path not in folders]
    stores = []
    for folder in folders:
        try:
            stores.append(load(folder))
        except StoreError as error:
            problems.append(str(error).removeprefix("flowdocs: "))
    pages = executed_pages(docs, examples)
    live = load_live(build_dir.resolve() / "outputs" / LIVE)
    if stores:
        run_live(pages, examples, live)
        print(f"this build's run: {device_label(live.device)}")
    digests = {page.docname: page.digest for page in pages}
    for store in stores:
        problems += review(store, live, digests, root)
    print()
    for problem in problems:
        say(problem)
    say(f"{len(folders)} recordings checked: {len(problems) or 'no'} problems")
    return len(problems)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m flowdocs.build.check_recordings", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="the Sphinx source folder")
    parser.add_argument("--build-dir", type=Path, default=Path("docs/_build"))
    args = parser.parse_args(argv)
    if not (args.docs / "conf.py").is_file():
        parser.error(f"{args.docs} has no conf.py")
    if check(args.docs, args.build_dir):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
