"""``run-it-yourself``: the same tabs on every hands-on page, one per kind of machine.

AMD GPU (a ROCm container, or ROCm wheels), NVIDIA GPU (CUDA), CPU and Apple silicon (MPS):
each tab gives the install and run commands and the first line the lesson prints there, the
line that names the device it found. The downloaded script carries the flowdocs helpers it
uses (:mod:`flowdocs.sphinxext.standalone`), so every tab installs torch alone; a clone of
the project is offered only when its repository is configured (``flowdocs_repository``).
The tabs are sphinx-design's, in one sync group, so a reader's choice holds on every page;
below them, ``--compare`` (:mod:`flowdocs.compare`) is offered on every kind of machine.
Their words come from the interface catalog (``sphinx.po``), so every page shows them in its
own language without repeating them in each page's catalog; the commands name the torch this
site was built with.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.locale import _
from sphinx.util.docutils import SphinxDirective

from flowdocs.device_info import DeviceInfo

SYNC_GROUP = "flowdocs-platform"
ROCM_CONTAINER = (
    "docker run -it --rm --device=/dev/kfd --device=/dev/dri --group-add video \\\n"
    "    --ipc=host --security-opt seccomp=unconfined \\\n"
    '    -v "$PWD":/work -w /work rocm/pytorch:latest'
)


@dataclass(frozen=True)
class Step:
    """One instruction: a sentence, then the commands (or, for ``output``, what is printed)."""

    text: str
    commands: list[str]
    output: bool = False


@dataclass(frozen=True)
class Platform:
    key: str
    label: str
    steps: list[Step]


def example_device_line(backend: str, torch_version: str) -> str:
    """The first output line on ``backend``, written by the lessons' own code (hardware: e.g.)."""
    examples = {
        "rocm": DeviceInfo("cuda:0", "rocm", "AMD Instinct MI300X", "gfx942", "HIP …", "…"),
        "cuda": DeviceInfo(
            "cuda:0", "cuda", "NVIDIA H100 80GB HBM3", "sm_90", "CUDA …", torch_version
        ),
        # The CPU tab installs from PyTorch's CPU index, whose wheels say so in their version.
        "cpu": DeviceInfo("cpu", "cpu", "x86_64, 8 threads", None, None, f"{torch_version}+cpu"),
        "mps": DeviceInfo("mps", "mps", "macOS …", None, None, torch_version),
    }
    return examples[backend].summary()


def platforms(script: str) -> list[Platform]:
    """The tabs, in the order a reader of the ROCm docs expects: AMD first."""
    torch_version = version("torch").split("+")[0]
    run = f"python {script}"
    just_run = Step(
        str(_("Run the downloaded script; it carries the flowdocs helpers it uses:")), [run]
    )
    found = _("The first line it prints names the device the lesson found, for example:")

    def device(backend: str) -> Step:
        return Step(str(found), [example_device_line(backend, torch_version)], output=True)

    def from_pypi(key: str, label: str, text: str, check: str, backend: str) -> Platform:
        """PyPI's own torch wheels: CUDA builds on Linux, MPS builds on a Mac."""
        pin = f'pip install "torch=={torch_version}"'
        probe = f'python -c "import torch; print({check})"'
        return Platform(key, label, [Step(text, [pin, probe]), just_run, device(backend)])

    return [
        Platform("rocm-container", str(_("AMD GPU: ROCm container")), [
            Step(str(_("Start PyTorch's ROCm container with the GPU visible to it, in the "
                        "folder that holds the downloaded script:")), [ROCM_CONTAINER]),
            Step(str(_("Inside it, run the downloaded script with the container's torch; "
                       "the script carries the flowdocs helpers it uses:")), [run]),
            device("rocm"),
        ]),
        Platform("rocm-wheels", str(_("AMD GPU: ROCm wheels")), [
            Step(str(_("Install a torch built for ROCm from PyTorch's wheel index: set `ROCM` "
                       "to a ROCm version that the install selector on `pytorch.org` lists. The "
                       "last command prints the HIP version, which only a ROCm build has:")), [
                "ROCM=6.4",
                'pip install torch --index-url "https://download.pytorch.org/whl/rocm$ROCM"',
                'python -c "import torch; print(torch.__version__, torch.version.hip)"',
            ]),
            just_run,
            device("rocm"),
        ]),
        from_pypi(
            "cuda", str(_("NVIDIA GPU: CUDA")),
            str(_("On Linux, the torch wheels on PyPI are built for CUDA. The last "
                  "command prints the CUDA version and whether a GPU is visible:")),
            "torch.version.cuda, torch.cuda.is_available()", "cuda",
        ),
        Platform("cpu", str(_("CPU")), [
            Step(str(_("Any machine: the CPU-only torch wheels are the smallest download.")), [
                f'pip install "torch=={torch_version}" '
                "--index-url https://download.pytorch.org/whl/cpu",
            ]),
            Step(str(_("Run the downloaded script on the CPU; it carries the flowdocs helpers "
                       "it uses:")), [f"{run} --device cpu"]),
            device("cpu"),
        ]),
        from_pypi(
            "mps", str(_("Apple silicon: MPS")),
            str(_("On a Mac with Apple silicon, the torch wheels on PyPI include the MPS "
                  "backend. The last command prints whether it is available:")),
            "torch.backends.mps.is_available()", "mps",
        ),
    ]  # fmt: skip


def fence(step: Step) -> str:
    if step.output:
        return "```text\n" + "\n".join(step.commands) + "\n```"
    return "```console\n" + "\n".join(f"$ {command}" for command in step.commands) + "\n```"


def markup(script: str, repository: str) -> str:
    """The tab-set in MyST markup (backtick fences: they need no MyST extension); a clone of
    the project only with its ``repository`` known."""
    lines = ["`````{tab-set}", f":sync-group: {SYNC_GROUP}", ""]
    for platform in platforms(script):
        lines += [f"````{{tab-item}} {platform.label}", f":sync: {platform.key}", ""]
        for step in platform.steps:
            lines += [step.text, "", fence(step), ""]
        lines += ["````", ""]
    lines += ["`````", "", str(_(
        "Add `--compare` to see your results beside those of every machine this page shows: "
        "the numbers and verdicts its text quotes, one column per machine, each saying where "
        "the conditions differ too much for its numbers to compare with yours:"
    )), "", fence(Step("", [f"python {script} --compare"]))]  # fmt: skip
    if repository:
        lines += ["", str(_("Or work in a clone of the project:")), ""]
        clone = [f"git clone {repository}", "cd flowdocs", "pip install -e ."]
        lines += [fence(Step("", [*clone, f"python examples/{script}"]))]
    return "\n".join(lines)


class RunItYourself(SphinxDirective):
    """``{run-it-yourself} <script>.py``: install and run commands for every kind of machine."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        script = self.arguments[0]
        if not (Path(self.config.flowdocs_examples_dir) / script).is_file():
            raise self.error(f"run-it-yourself: no example script {script}")
        if Path(self.env.doc2path(self.env.docname)).suffix != ".md":
            raise self.error("run-it-yourself: the tabs are MyST markup; use it in a .md page")
        text = markup(script, self.config.flowdocs_repository)
        generated = self.parse_text_to_nodes(text)
        for parsed in generated:
            # Already in the page's language: keep the page catalogs out of it.
            for node in parsed.findall(nodes.TextElement):
                node["translatable"] = False
        container = nodes.container(classes=["flowdocs-run-it-yourself"])
        container += generated
        return [container]


class RocmContainer(SphinxDirective):
    """``{rocm-container}``: the ROCm tab's docker command, for a page that starts the same one."""

    def run(self) -> list[nodes.Node]:
        text = f"$ {ROCM_CONTAINER}"
        command = nodes.literal_block(text, text, language="console")
        command["classes"].append("flowdocs-rocm-container")
        return [command]


def setup(app: Sphinx) -> None:
    app.add_config_value("flowdocs_repository", "", "env", str)
    app.add_directive("run-it-yourself", RunItYourself)
    app.add_directive("rocm-container", RocmContainer)
