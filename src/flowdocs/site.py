"""Build the deployable trilingual site: one Sphinx process per language, one execution cache.

English builds first and fills the notebook cache; the other languages then find every page's
outputs there and execute nothing. Only after every language built does the site folder get
(re)assembled, so a failed build never leaves a half-written site behind.

Usage: ``python -m flowdocs.site [--docs docs] [--build-dir docs/_build]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import runpy
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from string import Template

import flowdocs

CACHE_FOLDER = ".jupyter_cache"


def execution_cache_path(build_dir: Path, examples_dir: Path) -> Path:
    """The shared notebook cache, keyed on the torch version and the code the pages execute.

    myst-nb's cache keys only on the cells' own code, so a changed example script, a changed
    flowdocs library or another torch would otherwise serve stale outputs.
    """
    digest = hashlib.sha256()
    package_dir = Path(flowdocs.__file__).parent
    for folder in (examples_dir, package_dir):
        for path in sorted(folder.rglob("*.py")):
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    key = f"torch-{version('torch')}-{digest.hexdigest()[:12]}"
    return (build_dir / CACHE_FOLDER / key).resolve()


def run_step(command: list[str], failure: str) -> None:
    """Run one build step; on failure stop with a one-line reason (its own output came first)."""
    if subprocess.run(command).returncode:
        raise SystemExit(failure)


def site_languages(docs_dir: Path) -> dict[str, str]:
    """``flowdocs_languages`` from conf.py: language code -> its own name; English first."""
    return runpy.run_path(str(docs_dir / "conf.py"))["flowdocs_languages"]


def build_site(docs_dir: Path, build_dir: Path, jobs: int = 1) -> Path:
    """Build every language into ``build_dir/html/<lang>`` and assemble ``build_dir/site``."""
    docs_dir, build_dir = docs_dir.resolve(), build_dir.resolve()
    languages = site_languages(docs_dir)
    cache = execution_cache_path(build_dir, docs_dir.parent / "examples")
    for language in languages:
        command = [
            # -E: re-read every page, so template and translation changes always show; the
            # notebooks still come from the execution cache, so nothing executes twice.
            sys.executable, "-m", "sphinx", "-b", "html", "-E", "-W", "--keep-going",
            "-j", str(jobs), "-D", f"language={language}",
            "-D", f"nb_execution_cache_path={cache}",
            "-d", str(build_dir / "doctrees" / language),
            str(docs_dir), str(build_dir / "html" / language),
        ]  # fmt: skip
        print(f"flowdocs.site: building {language}", flush=True)
        run_step(command, f"flowdocs.site: the {language} build failed; the site was not updated")
    for stale in cache.parent.iterdir():
        if stale != cache:
            shutil.rmtree(stale)
    return assemble(docs_dir, build_dir, languages)


def assemble(docs_dir: Path, build_dir: Path, languages: dict[str, str]) -> Path:
    """Copy each language's HTML into a fresh ``site/`` with a root page that picks one."""
    site, staging = build_dir / "site", build_dir / "site.partial"
    shutil.rmtree(staging, ignore_errors=True)
    for language in languages:
        shutil.copytree(
            build_dir / "html" / language,
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m flowdocs.site", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="the Sphinx source folder")
    parser.add_argument("--build-dir", type=Path, default=Path("docs/_build"))
    parser.add_argument("-j", "--jobs", type=int, default=1, help="Sphinx parallel readers")
    args = parser.parse_args(argv)
    if not (args.docs / "conf.py").is_file():
        parser.error(f"{args.docs} has no conf.py")
    site = build_site(args.docs, args.build_dir, args.jobs)
    print(f"flowdocs.site: the site is in {site}")


if __name__ == "__main__":
    main()
