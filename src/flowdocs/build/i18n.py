"""The translator's workflow: extract messages without executing pages, update the catalogs,
report how much of each language is translated.

Usage: ``python -m flowdocs.build.i18n [--docs docs] [--locale locale]``
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.pofile import read_po, write_po

from flowdocs.build.site import run_step, site_languages

# Who a catalog's header names: no person or address is invented; the history is in git.
TRANSLATORS = "flowdocs translators"
# The placeholders of a template's header: a catalog that still holds one was just created.
TEMPLATE_HEADER = (
    "SOME DESCRIPTIVE TITLE", "FIRST AUTHOR", "FULL NAME", "EMAIL@ADDRESS", "LL@li.org",
    "YEAR-MO-DA",
)  # fmt: skip
LINE_WIDTH = 76  # sphinx-intl's: a catalog rewritten here wraps as the update wraps it


@dataclass(frozen=True)
class Coverage:
    """Message counts of one language's catalogs."""

    translated: int
    fuzzy: int
    untranslated: int

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.untranslated


def extract(docs_dir: Path, pot_dir: Path) -> None:
    """Write one .pot per page. Pages are not executed: extraction needs no torch run."""
    command = [
        sys.executable, "-m", "sphinx", "-b", "gettext", "-q", "-W", "--keep-going",
        "-D", "nb_execution_mode=off", "-D", "suppress_warnings=mystnb.glue_ref,mystnb.glue",
        "-D", "flowdocs_outputs=",  # nothing is executed, so no outputs are prepared
        "-d", str(pot_dir.parent / "doctrees" / "gettext"), str(docs_dir), str(pot_dir),
    ]  # fmt: skip
    run_step(command, "flowdocs.i18n: extracting messages failed")
    # The interface catalog (sphinx.po: theme labels, the switcher, the where-it-ran note) is
    # kept by hand: Sphinx's template extraction misses the theme's and the extension's words,
    # and updating from it would retire them. tests/test_catalogs.py checks it is complete.
    (pot_dir / "sphinx.pot").unlink(missing_ok=True)


def update(pot_dir: Path, locale_dir: Path, languages: list[str]) -> None:
    """Merge the fresh templates into ``locale/<lang>/LC_MESSAGES/<page>.po``."""
    command = [sys.executable, "-m", "sphinx_intl", "update", "-p", str(pot_dir), "--no-obsolete"]
    command += ["-d", str(locale_dir), *(arg for lang in languages for arg in ("-l", lang))]
    run_step(command, "flowdocs.i18n: updating the catalogs failed")


def tidy(path: Path, language: str) -> None:
    """Drop obsolete entries and fill a new catalog's header (the template's placeholders).

    sphinx-intl rewrites only a catalog whose messages changed, and fills a new one's header with
    placeholders; a catalog that needs neither fix is left as it is, since a rewrite re-wraps it.
    """
    raw = path.read_bytes()
    catalog = read_po(BytesIO(raw))
    header = raw.split(b'\n\nmsgid "', 1)[0].decode("utf-8")
    new = any(placeholder in header for placeholder in TEMPLATE_HEADER)
    if not new and not catalog.obsolete:
        return
    if new:
        title = f"{Locale.parse(language).english_name} translation of {catalog.project}."
        comment = catalog.header_comment.replace("SOME DESCRIPTIVE TITLE.", title).splitlines()
        catalog.header_comment = "\n".join(line for line in comment if "FIRST AUTHOR" not in line)
        catalog.last_translator = catalog.language_team = TRANSLATORS
        catalog.msgid_bugs_address = ""
        catalog.revision_date = datetime.now(timezone.utc)
        catalog.fuzzy = False
    with path.open("wb") as handle:
        write_po(handle, catalog, width=LINE_WIDTH, ignore_obsolete=True)


def catalogs(locale_dir: Path, language: str) -> list[Path]:
    return sorted((locale_dir / language / "LC_MESSAGES").rglob("*.po"))


def coverage(locale_dir: Path, language: str) -> Coverage:
    """Count translated, fuzzy and untranslated messages over a language's catalogs."""
    translated = fuzzy = untranslated = 0
    for path in catalogs(locale_dir, language):
        with path.open("rb") as handle:
            for message in read_po(handle):
                if not message.id:
                    continue
                if message.fuzzy:
                    fuzzy += 1
                elif message.string:
                    translated += 1
                else:
                    untranslated += 1
    return Coverage(translated, fuzzy, untranslated)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m flowdocs.build.i18n", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--docs", type=Path, default=Path("docs"))
    parser.add_argument("--locale", type=Path, default=Path("locale"))
    args = parser.parse_args(argv)
    if not (args.docs / "conf.py").is_file():
        parser.error(f"{args.docs} has no conf.py")
    languages = [code for code in site_languages(args.docs) if code != "en"]
    pot_dir = args.docs / "_build" / "gettext"
    extract(args.docs, pot_dir)
    update(pot_dir, args.locale, languages)
    for language in languages:
        for path in catalogs(args.locale, language):
            tidy(path, language)
        c = coverage(args.locale, language)
        share = 100 * c.translated / c.total if c.total else 100
        print(
            f"{language}: {share:5.1f}% translated ({c.translated}/{c.total}; "
            f"{c.fuzzy} fuzzy, {c.untranslated} untranslated)"
        )


if __name__ == "__main__":
    main()
