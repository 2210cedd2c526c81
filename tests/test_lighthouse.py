"""Lighthouse on every page of every language, mobile profile, served compressed as a host would.

Run by ``nox -s lighthouse``, not by ``nox -s tests``: about fifteen seconds a page on two cores
is too long for every test run. The session builds the site for the URL it serves it from
(``FLOWDOCS_SITE_URL``), because search engines want absolute hreflang and canonical links.
The scores of every page go to build/lighthouse.json; any page below a target fails.
"""

import gzip
import json
import os
import shutil
import subprocess
import time
import urllib.request
from urllib.parse import urlparse

import pytest

from conftest import ROOT

NODE_BIN = ROOT / "node_modules" / ".bin"
SITE_URL = os.environ.get("FLOWDOCS_SITE_URL", "")
pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("FLOWDOCS_LIGHTHOUSE"), reason="run by `nox -s lighthouse`"
    ),
    pytest.mark.skipif(
        not (NODE_BIN / "lighthouse").exists(), reason="Lighthouse is not installed: `npm ci`"
    ),
]
TARGETS = {"performance": 0.85, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}
METRICS = ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time"]
COMPRESSED = (".html", ".js", ".css", ".svg", ".json", ".txt", ".inv")
REPORT = ROOT / "build" / "lighthouse.json"


@pytest.fixture(scope="module")
def served(built_site, tmp_path_factory):
    """The site, every text file also gzipped beside it, served by http-server with -g."""
    url = urlparse(SITE_URL)
    assert url.hostname == "127.0.0.1" and url.port, "FLOWDOCS_SITE_URL: http://127.0.0.1:PORT"
    root = tmp_path_factory.mktemp("served") / "site"
    shutil.copytree(built_site.site, root)
    for path in root.rglob("*"):
        if path.suffix in COMPRESSED:
            path.with_name(path.name + ".gz").write_bytes(gzip.compress(path.read_bytes(), 9))
    server = subprocess.Popen(
        [NODE_BIN / "http-server", root, "-g", "-s", "-c", "3600",
         "-a", "127.0.0.1", "-p", str(url.port)],
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{SITE_URL.rstrip('/')}/en/index.html", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield SITE_URL.rstrip("/")
    server.terminate()
    server.wait()


def pages(built_site) -> list[str]:
    return sorted(
        path.relative_to(built_site.site).as_posix()
        for path in built_site.site.glob("*/**/*.html")
        if "_static" not in path.parts
    )


def audit(url: str) -> dict:
    """One Lighthouse run with its defaults (mobile, simulated slow 4G and CPU)."""
    done = subprocess.run(
        [
            NODE_BIN / "lighthouse", url, "--quiet", "--output=json", "--output-path=stdout",
            f"--only-categories={','.join(TARGETS)}",
            "--chrome-flags=--headless --no-sandbox --disable-gpu --disable-background-networking"
            " --disable-component-update --no-first-run --disable-sync",
        ],
        capture_output=True, text=True, env={**os.environ, "CHROME_PATH": shutil.which("chromium")},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    audits = report["audits"]
    return {
        "scores": {name: report["categories"][name]["score"] for name in TARGETS},
        "metrics": {name: audits[name]["numericValue"] for name in METRICS},
        "bytes": audits["total-byte-weight"]["numericValue"],
        # The scored audits each category lost points on.
        "failed": {
            name: sorted(
                ref["id"]
                for ref in report["categories"][name]["auditRefs"]
                if ref["weight"] > 0 and (audits[ref["id"]]["score"] or 0) < 1
            )
            for name in TARGETS
        },
    }


def exempt(page: str, category: str, failed: list[str], html: str) -> bool:
    """Sphinx marks its search page noindex, rightly: a list of search results is not a page
    to send readers to from a search engine. That one audit may fail there, nothing else."""
    return (
        page.endswith("/search.html")
        and category == "seo"
        and failed == ["is-crawlable"]
        and '<meta name="robots" content="noindex"' in html
    )


def test_every_page_meets_the_lighthouse_targets(served, built_site):
    results = {page: audit(f"{served}/{page}") for page in pages(built_site)}
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps({"targets": TARGETS, "pages": results}, indent=1) + "\n")
    below = {
        page: {
            name: (score, result["failed"][name])
            for name, score in result["scores"].items()
            if score < TARGETS[name]
            and not exempt(page, name, result["failed"][name], (built_site.site / page).read_text())
        }
        for page, result in results.items()
    }
    below = {page: scores for page, scores in below.items() if scores}
    assert below == {}, f"below target (details in {REPORT}): {below}"
