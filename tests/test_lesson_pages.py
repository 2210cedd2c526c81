"""What the built pages give a reader to take away: downloads, run-it-yourself tabs, math, and
a description in the page's language. The HTML is read as the build wrote it; the downloads are
fetched from the served site by their links, as a browser would, and run where a reader would:
a fresh Python that holds torch alone, and a Jupyter kernel that adds matplotlib."""

import html as html_module
import json
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlparse
from urllib.request import urlopen

import jupytext
import nbformat
import pytest
from fresh_python import fresh_python, importable
from test_compare import LESSON, fixture_site_json, lesson_project

from conftest import ROOT, serve
from flowdocs.sphinxext.downloads import site_json
from flowdocs.sphinxext.standalone import BUNDLE_TITLE, standalone_script

LESSONS = {
    "inference": "inference_flow.py",
    "training": "training_flow.py",
    "autograd-modes": "autograd_modes.py",
    "who-does-the-work": "who_does_the_work.py",
    "kv-cache": "kv_cache.py",
}
LANGUAGES = ("en", "ja", "ko")
PLATFORMS = ["rocm-container", "rocm-wheels", "cuda", "cpu", "mps"]
NOT_FOR_READERS = ("flowdocs", "sphinx", "myst_nb", "jupytext", "nbclient")


@pytest.fixture(scope="session")
def site_url(built_site):
    """The built site, served over HTTP as a static host serves it."""
    with serve(built_site.site) as url:
        yield url


def fetch_downloads(site_url: str, language: str, page: str, folder: Path) -> dict[str, Path]:
    """The files a page offers, by suffix: its download links followed, the files saved."""
    page_url = f"{site_url}/{language}/hands-on/{page}.html"
    html = urlopen(page_url).read().decode("utf-8")
    links = re.findall(r'<a class="[^"]*\bdownload\b[^"]*"[^>]*href="([^"]+)"', html)
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for link in links:
        url = urljoin(page_url, html_module.unescape(link))
        saved = folder / PurePosixPath(urlparse(url).path).name
        saved.write_bytes(urlopen(url).read())
        files[saved.suffix] = saved
    return files


def checkpoints(printed: str) -> list[str]:
    """The lines a lesson checks in the seeds' form (``weight changed = False``, ``… -> True``);
    not its timings or their verdicts, which always state their spread (IQR)."""
    return [
        line.strip()
        for line in printed.splitlines()
        if re.search(r" = |-> ", line) and "IQR" not in line
    ]


def page_printed(built_site, page: str) -> str:
    """Everything the English page shows as printed by the lesson."""
    html = built_site.page("en", f"hands-on/{page}")
    blocks = re.findall(r'<div class="output stream[^>]*>.*?<pre>(.*?)</pre>', html, re.S)
    return "".join(html_module.unescape(re.sub(r"<[^>]+>", "", block)) for block in blocks)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("page", "script"), LESSONS.items())
def test_every_lesson_offers_its_script_and_a_notebook(
    built_site, site_url, tmp_path, language, page, script
):
    files = fetch_downloads(site_url, language, page, tmp_path)
    assert set(files) == {".py", ".ipynb"}
    example = ROOT / "examples" / script
    assert files[".py"].name == script
    # The example itself, with one cell added after its docstring: the helpers it imports
    downloaded = [cell.source for cell in jupytext.read(files[".py"]).cells]
    example_cells = [cell.source for cell in jupytext.read(example).cells]
    assert downloaded[:1] + downloaded[2:] == example_cells
    site, _file = site_json(str(built_site.build_dir / "outputs"), example)
    assert files[".py"].read_text(encoding="utf-8") == standalone_script(example, site)[0]
    notebook = nbformat.read(files[".ipynb"], as_version=4)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    # Every cell of the script, bar the docstring and the command line, is in the notebook.
    assert code[:-1] == downloaded[1:-1]
    assert code[-1] == "result = main()"
    assert f"## {BUNDLE_TITLE}" in [cell.source for cell in notebook.cells]


@pytest.fixture(scope="session")
def torch_alone(tmp_path_factory) -> Path:
    """A reader's fresh Python: torch and what torch installs (no numpy), nothing else."""
    python = fresh_python(tmp_path_factory.mktemp("torch-alone"), "torch")
    assert importable(python, "torch", "numpy", *NOT_FOR_READERS) == ["torch"]
    return python


@pytest.fixture(scope="session")
def offline() -> list[str]:
    """A command prefix that takes the network away (a new network namespace, no interface
    up) where this machine allows it; the script then runs as on a plane."""
    unshare = ["unshare", "--map-root-user", "--net"]
    try:
        subprocess.run([*unshare, "true"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return []
    return unshare


@pytest.fixture(scope="session")
def jupyter_kernel(tmp_path_factory) -> Path:
    """A reader's Jupyter kernel: torch and matplotlib (and ipykernel, to be a kernel)."""
    folder = tmp_path_factory.mktemp("torch-matplotlib")
    python = fresh_python(folder, "torch", "matplotlib", "ipykernel")
    assert importable(python, "torch", "matplotlib", *NOT_FOR_READERS) == ["torch", "matplotlib"]
    spec = folder / "kernels" / "torch-matplotlib"
    spec.mkdir(parents=True)
    argv = [str(python), "-I", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "torch and matplotlib", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    return spec.parent


@pytest.mark.parametrize(("page", "script"), LESSONS.items())
def test_the_downloaded_script_prints_what_the_page_printed_with_torch_alone(
    built_site, site_url, torch_alone, offline, tmp_path, page, script
):
    files = fetch_downloads(site_url, "en", page, tmp_path)
    # -I: no PYTHONPATH, no user site, not even the script's own folder on sys.path
    command = [*offline, torch_alone, "-I", files[".py"].name]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    expected = checkpoints(page_printed(built_site, page))
    assert expected and expected[0].startswith('device = "')
    assert checkpoints(done.stdout) == expected


def test_a_downloaded_script_compares_with_the_machines_it_carries_with_torch_alone(
    torch_alone, offline, tmp_path
):
    """The site's machines travel in the download: no checkout, no network, torch alone."""
    site = fixture_site_json(lesson_project(tmp_path / "project"))
    script = tmp_path / "download" / LESSON
    script.parent.mkdir()
    script.write_text(standalone_script(ROOT / "examples" / LESSON, site)[0], encoding="utf-8")
    command = [*offline, torch_alone, "-I", LESSON, "--device", "cpu", "--compare"]
    done = subprocess.run(command, cwd=script.parent, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout.split(f"{LESSON} --compare: your run beside the site's machines")[1]
    rows = {line.split()[0]: line for line in table.splitlines()[2:] if line}
    assert rows["backend"].split() == ["backend", "cpu", "rocm", "cuda"]
    assert rows["compares"].split() == ["compares", "—", "yes", "yes"]
    assert rows["prediction"].split()[2:] == ["-1.2353", "-1.2353"]


def test_a_download_from_a_site_with_no_machine_says_so_in_one_line(tmp_path):
    """flowdocs.compare needs no torch: a lesson that calls it runs with no packages at all."""
    lesson = tmp_path / "lesson.py"
    lesson.write_text(
        '"""A lesson."""\n\nfrom pathlib import Path\nfrom types import SimpleNamespace\n\n'
        "from flowdocs.compare import comparison\n\n"
        'device = SimpleNamespace(backend="cpu", name="x86_64", runtime=None, torch="2.13.0")\n'
        'print(comparison(Path(__file__), device, {"prediction": 0.5}, False))\n',
        "utf-8",
    )
    lesson.write_text(standalone_script(lesson)[0], "utf-8")
    done = subprocess.run([sys.executable, "-I", "-S", str(lesson)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    head, *table = done.stdout.splitlines()
    assert head == "lesson.py --compare: the site knew no machine's results when it was built"
    assert table[-1].split() == ["prediction", "0.5"]


@pytest.mark.parametrize(("page", "script"), LESSONS.items())
def test_the_downloaded_notebook_runs_top_to_bottom_in_a_fresh_kernel(
    built_site, site_url, jupyter_kernel, tmp_path, page, script
):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    files = fetch_downloads(site_url, "en", page, tmp_path)
    notebook = nbformat.read(files[".ipynb"], as_version=4)
    specs = KernelSpecManager(kernel_dirs=[str(jupyter_kernel)])
    kernel = KernelManager(kernel_name="torch-matplotlib", kernel_spec_manager=specs)
    NotebookClient(notebook, km=kernel, timeout=600, resources={
        "metadata": {"path": str(tmp_path)}  # a reader's folder, not the project's
    }).execute()  # fmt: skip
    printed = "".join(
        output.get("text", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("name") == "stdout"
    )
    assert checkpoints(printed) == checkpoints(page_printed(built_site, page))


def tabs(html: str) -> list[tuple[str, str, str]]:
    """(sync id, label, what follows up to the next tab) of each run-it-yourself tab."""
    labels = list(
        re.finditer(
            r'<label [^>]*data-sync-group="flowdocs-platform" data-sync-id="([^"]+)"[^>]*>'
            r"\s*(.*?)\s*</label>",
            html,
            re.S,
        )
    )
    ends = [label.start() for label in labels[1:]] + [labels[-1].end() + 5000] if labels else []
    return [
        (label.group(1), label.group(2), html[label.end() : end])
        for label, end in zip(labels, ends, strict=True)
    ]


@pytest.mark.parametrize("page", LESSONS)
def test_every_lesson_has_the_same_tabs_in_each_language(built_site, page):
    labels = {}
    for language in LANGUAGES:
        found = tabs(built_site.page(language, f"hands-on/{page}"))
        assert [key for key, _label, _content in found] == PLATFORMS
        labels[language] = [label for _key, label, _content in found]
    assert labels["ja"] != labels["en"] and labels["ko"] != labels["en"]


def test_the_tabs_install_the_torch_this_site_was_built_with(built_site):
    html = built_site.page("en", "hands-on/inference")
    pins = set(re.findall(r"torch==([0-9.]+)", html))
    assert pins == {version("torch").split("+")[0]}


def test_the_cpu_tab_shows_the_line_the_lesson_prints_on_a_cpu(built_site):
    """The tab's example and the build's own first output line have the same form."""
    html = built_site.page("en", "hands-on/inference")
    printed = re.search(r'<pre><span></span>(device = "[^\n]*)', html).group(1)
    if not printed.startswith('device = "cpu"'):
        pytest.skip("this build did not run on a CPU")
    cpu_tab = next(content for key, _label, content in tabs(html) if key == "cpu")
    shown = re.search(r'(device = "cpu"[^<\n]*)', cpu_tab).group(1)
    form = r'device = "cpu" \(CPU \S+, \d+ threads, torch \d+\.\d+\.\d+(\+cpu)?\)'
    assert re.fullmatch(form, printed) and re.fullmatch(form, shown), (printed, shown)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", ["hands-on/inference", "hands-on/training", "hands-on/kv-cache"])
def test_formulas_are_typeset_with_the_sites_own_katex(built_site, language, page):
    html = built_site.page(language, page)
    assert 'class="katex"' in html and "katex-error" not in html
    assert re.search(r'href="[./]*_static/katex/katex\.min\.css', html)
    stylesheet = built_site.site / language / "_static" / "katex" / "katex.min.css"
    for font in re.findall(r"url\((fonts/[^)]+\.woff2)\)", stylesheet.read_text()):
        assert (stylesheet.parent / font).is_file(), font


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_describes_itself_in_its_language(built_site, language):
    for path in (built_site.site / language).rglob("*.html"):
        if "_static" in path.parts:
            continue
        found = re.findall(r'<meta name="description" content="([^"]+)"', path.read_text())
        assert len(found) == 1, path
        if language != "en":
            assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7a3]", found[0]), path
