"""Publishing on Read the Docs: its commands, run as Read the Docs runs them, for one language."""

import os
import re
import subprocess
import venv

import yaml

from conftest import copy_project

PROJECT = "https://flowdocs.readthedocs.io"


def test_read_the_docs_builds_the_japanese_project_where_it_expects_the_html(tmp_path, built_site):
    # This machine already ran the examples: the copy's pages are the same, so nothing executes.
    repo = copy_project(tmp_path / "repo", outputs_from=built_site)
    python = tmp_path / "python"  # Read the Docs gives each build a fresh Python
    venv.create(python, with_pip=True)
    output = tmp_path / "_readthedocs"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")},
        "PATH": f"{python / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "READTHEDOCS": "True",
        "READTHEDOCS_PROJECT": "flowdocs-ja",
        "READTHEDOCS_LANGUAGE": "ja",
        "READTHEDOCS_VERSION": "latest",
        "READTHEDOCS_OUTPUT": str(output),
        "READTHEDOCS_CANONICAL_URL": f"{PROJECT}/ja/latest/",
        # PyTorch's wheel index is out of reach here; pip's local CPU build is the same torch.
        "FLOWDOCS_TORCH_INDEX": "",
    }
    config = yaml.safe_load((repo / ".readthedocs.yaml").read_text(encoding="utf-8"))
    for command in config["build"]["commands"]:
        done = subprocess.run(
            ["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{command}\n{(done.stdout + done.stderr)[-3000:]}"
    html = output / "html"
    assert sorted(p.name for p in html.iterdir() if p.is_dir() and not p.name.startswith("_")) == [
        "hands-on", "how-to", "reference", "theory"
    ]  # fmt: skip
    page = (html / "hands-on" / "inference.html").read_text(encoding="utf-8")
    assert 'lang="ja"' in page
    links = dict(re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)"', page))
    assert links["en"] == f"{PROJECT}/en/latest/hands-on/inference.html"
    assert links["ko"] == f"{PROJECT}/ko/latest/hands-on/inference.html"
