"""The timing pages never presume an outcome: with the measurements scripted to each outcome,
the printed verdicts and the page's sentences in English, Japanese and Korean follow it.

Each scenario builds the real autograd-modes, training and KV-cache pages with the real
catalogs, executing the real examples in kernels whose ``torch.utils.benchmark`` runs and load
average are scripted (tests/scenario/sitecustomize.py). For every ``outcome`` on a page, the
case that the scenario calls for must be shown, in the page's language, and no other case.
"""

import html
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest
from babel.messages.pofile import read_po

from conftest import ROOT

PAGES = ("autograd-modes", "training", "kv-cache")
LANGUAGES = ("en", "ja", "ko")
CHAINS = {  # labels in order; each compared pair is (later, earlier) in its chain
    "autograd-modes": ["nullcontext", "no_grad", "inference_mode"],
    "training": ["inference call", "training step"],
    "kv-cache": ["without_cache", "with_cache"],
}
OUTCOMES = {
    "autograd-modes": ["machine", "no_grad_vs_none", "inference_vs_no_grad"],
    "training": ["machine", "small_time", "small_memory", "mlp_time", "mlp_memory"],
    "kv-cache": ["logits", "machine", "verdict"],
}
# scenario -> (how each later label's time compares, spread, load average)
SCENARIOS = {
    "faster": (0.5, 0.02, 0.1),
    "slower": (2.0, 0.02, None),  # and a system without a load average
    "inconclusive-overlap": (1.0, 0.6, 0.1),
    "inconclusive-busy": (1.0, 0.6, 99.0),
}
PRINTED = {  # what each scenario's verdicts print (the lessons' English output)
    "faster": ["no_grad is faster than nullcontext", "with_cache is faster than without_cache"],
    "slower": ["training step is slower than inference call", "load average n/a"],
    "inconclusive-overlap": [
        "inference_mode vs no_grad: inconclusive on this machine (IQRs overlap)"
    ],
    "inconclusive-busy": [
        "no_grad vs nullcontext: inconclusive on this machine (IQRs overlap, busy machine)",
        "measured on a busy machine",
    ],
}
CONF = """
import os
extensions = ["myst_nb", "sphinx_design", "flowdocs.sphinxext"]
exclude_patterns = ["_build"]
myst_enable_extensions = ["colon_fence", "deflist", "attrs_inline"]
locale_dirs = ["locale"]
gettext_compact = False
nb_execution_mode = "cache"
nb_execution_cache_path = {cache!r}
nb_execution_raise_on_error = True
nb_execution_in_temp = False
flowdocs_examples_dir = {examples!r}
os.environ["PYTHONPATH"] = os.pathsep.join([{examples!r}, {scenario!r}])
"""


def scenario_json(name: str) -> str:
    ratio, spread, load = SCENARIOS[name]
    times = {
        label: 1e-4 * ratio**position
        for chain in CHAINS.values()
        for position, label in enumerate(chain)
    }
    return json.dumps({"times": times, "spread": spread, "load": load})


@pytest.fixture(scope="module", params=list(SCENARIOS))
def scenario_site(request, tmp_path_factory):
    """The three pages built in every language with the measurements of one scenario."""
    root = tmp_path_factory.mktemp(request.param)
    src = root / "src"
    (src / "hands-on").mkdir(parents=True)
    (src / "index.md").write_text(
        "# Pages\n\n```{toctree}\n" + "\n".join(f"hands-on/{p}" for p in PAGES) + "\n```\n"
    )
    for page in PAGES:
        shutil.copy(ROOT / "docs" / "hands-on" / f"{page}.md", src / "hands-on")
        for language in LANGUAGES[1:]:
            folder = src / "locale" / language / "LC_MESSAGES" / "hands-on"
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(
                ROOT / "locale" / language / "LC_MESSAGES" / "hands-on" / f"{page}.po", folder
            )
    (src / "conf.py").write_text(
        CONF.format(
            cache=str(root / "cache"),
            examples=str(ROOT / "examples"),
            scenario=str(ROOT / "tests" / "scenario"),
        )
    )
    env = {**os.environ, "FLOWDOCS_SCENARIO": scenario_json(request.param)}

    def build(language: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-D", f"language={language}",
             "-d", str(root / "doctrees" / language), str(src), str(root / language)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        )  # fmt: skip

    # English executes the pages; Japanese and Korean then read the execution cache, together.
    for builds in (["en"], ["ja", "ko"]):
        for language, process in [(language, build(language)) for language in builds]:
            log, _ = process.communicate()
            assert process.returncode == 0, (language, log[-3000:])
    return request.param, root


def outcomes(page: str) -> dict[str, dict[str, str]]:
    """Each outcome's key -> {case value: the case's paragraph, as its catalog message}."""
    source = (ROOT / "docs" / "hands-on" / f"{page}.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^( *)::::\{outcome\} \S+::(\w+)\n(.*?)^\1::::$", source, re.S | re.M)
    return {
        key: {
            value: " ".join(textwrap.dedent(text).split())
            for value, text in re.findall(r":::\{case\} (\S+)\n(.*?)\n *:::\n", body, re.S)
        }
        for _, key, body in blocks
    }


def translations(language: str, page: str) -> dict[str, str]:
    if language == "en":
        return {}
    path = ROOT / "locale" / language / "LC_MESSAGES" / "hands-on" / f"{page}.po"
    with path.open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def pattern(message: str) -> re.Pattern:
    """The message as rendered: markup gone, glued numbers as wildcards, whitespace ignored."""
    plain = re.sub(r"\{[\w:-]+\}`[^`]*`", "\0", message)
    plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", plain).replace("**", "").replace("`", "")
    parts = [re.escape(re.sub(r"\s+", "", part)) for part in plain.split("\0")]
    return re.compile("[^<>]{1,40}?".join(parts))


def paragraphs(page_html: str) -> list[str]:
    """The page's paragraphs as text: tags removed, quotes straightened, whitespace ignored."""
    found = re.findall(r"<p>(.*?)</p>", page_html, flags=re.S)
    texts = [html.unescape(re.sub(r"<[^>]+>", "", p)) for p in found]
    return [re.sub(r"\s+", "", t.translate(str.maketrans("‘’“”", "''\"\""))) for t in texts]


def expected_cases(scenario: str, page_html: str) -> dict[str, str]:
    """Which case each outcome key must show for this scenario."""
    machine = {None: "unknown", 0.1: "quiet", 99.0: "busy"}[SCENARIOS[scenario][2]]
    exact = re.search(r"logits: largest difference \S+, bit for bit equal", page_html)
    return {
        "machine": machine,
        "no_grad_vs_none": scenario,
        "inference_vs_no_grad": scenario,
        "small_time": scenario,
        "mlp_time": scenario,
        "verdict": scenario,
        "small_memory": "no-activations",  # one linear layer's gradient needs only its input
        "mlp_memory": "larger",  # gradients of 330,756 bytes, saved ReLU outputs of 131,072
        "logits": "exact" if exact else "close",
    }


@pytest.mark.site
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_outcome_shows_the_measured_case_in_every_language(scenario_site, language):
    scenario, root = scenario_site
    for page in PAGES:
        page_html = (root / language / "hands-on" / f"{page}.html").read_text(encoding="utf-8")
        shown_paragraphs, messages = paragraphs(page_html), translations(language, page)
        expected = expected_cases(scenario, page_html)
        found = outcomes(page)
        assert sorted(found) == sorted(OUTCOMES[page]), page  # every outcome is checked
        for key, cases in found.items():
            for value, message in cases.items():
                case = pattern(messages.get(message, message))
                shown = any(case.fullmatch(paragraph) for paragraph in shown_paragraphs)
                assert shown == (value == expected[key]), (scenario, language, page, key, value)


@pytest.mark.site
def test_the_printed_verdicts_follow_the_measurements(scenario_site):
    scenario, root = scenario_site
    printed = "".join(
        html.unescape((root / "en" / "hands-on" / f"{page}.html").read_text(encoding="utf-8"))
        for page in PAGES
    )
    for sentence in PRINTED[scenario]:
        assert sentence in printed, (scenario, sentence)
    for other, sentences in PRINTED.items():
        if other != scenario:
            assert sentences[0] not in printed, (scenario, other)
