"""Build the deployable trilingual site: outputs first, then every language side by side.

1. ``flowdocs.build.outputs`` makes every executed page's outputs current, executing what changed
   once for all languages, and leaves Sphinx a view of them: Sphinx executes nothing.
2. Each language builds in a Sphinx process of its own (translations leak between languages that
   share a process), all at once and incrementally: Sphinx reads again only the pages whose source,
   catalog, scripts or outputs changed. A language none of whose inputs changed is not started.
3. Only after every language built is the site folder replaced, so a failed build never leaves a
   half-written site behind.

Usage: ``python -m flowdocs.build.site [--outputs ID|auto] [--strict] [--language CODE]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import runpy
import shutil
import subprocess
import sys
from importlib.metadata import distributions
from pathlib import Path
from string import Template

import flowdocs
from flowdocs.build.outputs import prepare

LOG_PREFIX = "flowdocs.build.site"


def run_step(command: list[str], failure: str) -> None:
    """Run one build step; on failure stop with a one-line reason (its own output came first)."""
    if subprocess.run(command).returncode:
        raise SystemExit(failure)


def site_languages(docs_dir: Path) -> dict[str, str]:
    """``flowdocs_languages`` from conf.py: language code -> its own name; English first."""
    return runpy.run_path(str(docs_dir / "conf.py"))["flowdocs_languages"]


def sphinx_command(docs_dir: Path, build_dir: Path, language: str) -> list[str]:
    """One language's incremental HTML build, warnings as errors, outputs from the view."""
    return [
        sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going",
        "-D", f"language={language}",
        "-D", f"flowdocs_outputs={build_dir / 'outputs'}",
        "-d", str(build_dir / language / "doctrees"),
        str(docs_dir), str(build_dir / language / "html"),
    ]  # fmt: skip


def fingerprint(docs_dir: Path, build_dir: Path, language: str) -> str:
    """A hash of everything a language's pages are made from, to skip a language with no change.

    The page sources, conf.py, templates and static files, that language's catalogs, the prepared
    outputs, the examples and the flowdocs package (KaTeX's files included), every installed
    package's version, and the Sphinx command itself.
    """
    roots = [
        (docs_dir, lambda path: "_build" not in path.parts and "recordings" not in path.parts),
        (docs_dir.parent / "locale" / language, lambda path: path.suffix == ".po"),
        (build_dir / "outputs" / "plan", lambda path: True),
        (docs_dir.parent / "examples", lambda path: path.suffix == ".py"),
        (Path(flowdocs.__file__).parent, lambda path: "__pycache__" not in path.parts),
    ]
    digest = hashlib.sha256()
    for root, wanted in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and wanted(p)):
            digest.update(f"{path.relative_to(root)}\0".encode() + path.read_bytes())
    versions = sorted(f"{d.metadata['Name']}=={d.version}" for d in distributions())
    digest.update(json.dumps([versions, sphinx_command(docs_dir, build_dir, language)]).encode())
    return digest.hexdigest()


def build_languages(docs_dir: Path, build_dir: Path, languages: list[str]) -> list[str]:
    """Build each language whose inputs changed, all at once; return the ones built."""
    stamps = {language: build_dir / language / "fingerprint" for language in languages}
    wanted = {language: fingerprint(docs_dir, build_dir, language) for language in languages}
    todo = [
        language
        for language in languages
        if not stamps[language].is_file() or stamps[language].read_text() != wanted[language]
    ]
    running = {}
    for language in todo:
        log = build_dir / language / "sphinx.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        print(f"{LOG_PREFIX}: building {language}", flush=True)
        with log.open("w", encoding="utf-8") as handle:
            # The log is printed afterwards, line by line: no colours, and a line per page written
            # (where CI is set, Sphinx would redraw one progress line in place instead).
            running[language] = subprocess.Popen(
                sphinx_command(docs_dir, build_dir, language),
                stdout=handle,
                stderr=subprocess.STDOUT,
                env={**os.environ, "NO_COLOR": "1"},
            )
    failed = []
    for language, process in running.items():
        returncode = process.wait()
        for line in (build_dir / language / "sphinx.log").read_text(encoding="utf-8").splitlines():
            print(f"[{language}] {line}")
        if returncode:
            failed.append(language)
            # A failed build still saved its environment: read everything again next time, so
            # a page whose warning failed this build cannot pass the next one unread.
            shutil.rmtree(build_dir / language / "doctrees", ignore_errors=True)
            stamps[language].unlink(missing_ok=True)
        else:
            stamps[language].write_text(wanted[language])
    if failed:
        raise SystemExit(
            f"{LOG_PREFIX}: the {', '.join(failed)} build failed; the site was not updated"
        )
    for language in languages:
        if language not in todo:
            print(f"{LOG_PREFIX}: {language} is up to date", flush=True)
    return todo


def assemble(docs_dir: Path, build_dir: Path, languages: dict[str, str]) -> Path:
    """Copy each language's HTML into a fresh ``site/`` with a root page that picks one."""
    site, staging = build_dir / "site", build_dir / "site.partial"
    shutil.rmtree(staging, ignore_errors=True)
    for language in languages:
        shutil.copytree(
            build_dir / language / "html",
            staging / language,
            ignore=shutil.ignore_patterns(".buildinfo", ".doctrees"),
        )
    root = Template((docs_dir / "_templates" / "site-root.html").read_text(encoding="utf-8"))
    links = "\n".join(
        f'    <li><a href="{code}/index.html" hreflang="{code}" lang="{code}">{name}</a></li>'
        for code, name in languages.items()
    )
    (staging / "index.html").write_text(
        root.substitute(languages=json.dumps(list(languages)), links=links), encoding="utf-8"
    )
    shutil.rmtree(site, ignore_errors=True)
    staging.rename(site)
    return site


def build_site(
    docs_dir: Path,
    build_dir: Path,
    outputs: str | None = None,
    strict: bool = False,
    only: list[str] | None = None,
) -> Path:
    """Prepare the outputs, build the languages (``only`` some of them), assemble the site."""
    docs_dir, build_dir = docs_dir.resolve(), build_dir.resolve()
    languages = site_languages(docs_dir)
    if only:
        unknown = sorted(set(only) - set(languages))
        if unknown:
            raise SystemExit(f"{LOG_PREFIX}: no language {', '.join(unknown)} in conf.py")
        languages = {code: name for code, name in languages.items() if code in only}
    prepare(docs_dir, build_dir, outputs, strict)
    built = build_languages(docs_dir, build_dir, list(languages))
    site = build_dir / "site"
    if (
        built
        or not site.is_dir()
        or sorted(languages) != sorted(p.name for p in site.iterdir() if p.is_dir())
    ):
        assemble(docs_dir, build_dir, languages)
    return site


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog=f"python -m {LOG_PREFIX}", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="the Sphinx source folder")
    parser.add_argument("--build-dir", type=Path, default=Path("docs/_build"))
    parser.add_argument(
        "--outputs",
        metavar="ID",
        help="show this recording's outputs (auto: a GPU recording if there is one); "
        "default: execute every page here",
    )
    parser.add_argument(
        "--strict", action="store_true", help="fail when the recording is out of date for a page"
    )
    parser.add_argument(
        "--language", action="append", metavar="CODE", help="build only this language (repeatable)"
    )
    args = parser.parse_args(argv)
    if not (args.docs / "conf.py").is_file():
        parser.error(f"{args.docs} has no conf.py")
    site = build_site(args.docs, args.build_dir, args.outputs, args.strict, args.language)
    print(f"{LOG_PREFIX}: the site is in {site}")


if __name__ == "__main__":
    main()
