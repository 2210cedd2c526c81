"""Who does the work: profile a small network and name the library behind every kernel.

A small network (a convolution, batch norm, ReLU, linear layers and self-attention) is
profiled with ``torch.profiler`` twice: forward passes in inference mode, then training
steps (forward pass, loss, backward pass and SGD update). Each kernel (on a GPU) or op
(on the CPU) is mapped to the library that ran it: the BLAS library for matrix products,
MIOpen or cuDNN (oneDNN on the CPU) for convolution, PyTorch's own kernels for
activations and other elementwise work. On a GPU the lesson also checks that this torch
carries code for the GPU's architecture and which BLAS library it prefers there.

Needs torch and the flowdocs helpers (a lesson downloaded from the site carries them).
Run it: python examples/who_does_the_work.py [--device auto|cpu|cuda|mps] [--full]
"""

# %% Imports: the lesson helpers first, so that --help answers before torch loads
HELPERS = (
    "in the project's folder, pip install -e . (or download the lesson from its page "
    "on the site: that copy carries them)"
)
try:
    from flowdocs import cli
except ModuleNotFoundError as missing:
    if not (missing.name or "").startswith("flowdocs"):
        raise
    raise SystemExit(f"This lesson needs the flowdocs helpers: {HELPERS}") from None
if __name__ == "__main__":
    OPTIONS = cli.parse(__doc__, full=True)

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from flowdocs.device import ArchSupport, DeviceInfo, arch_support, describe, pick_device
from flowdocs.profile import (
    PROFILE_THREADS,
    PYTORCH,
    Row,
    gemm_library,
    profile_work,
    share_by_library,
)

# What each backend's profile holds: device kernels, or the ATen ops the CPU ran.
PROFILED = {
    "rocm": "gpu_kernels",
    "cuda": "gpu_kernels",
    "cpu": "cpu_ops",
    "mps": "mps_ops",
}
SHOWN_ROWS = 12


# %% What the lesson returns
@dataclass
class Profile:
    rows: list[Row]
    shares: dict[str, float]


@dataclass
class WorkResult:
    device: DeviceInfo
    profiled: str
    steps: int
    forward: Profile
    training: Profile
    arch: ArchSupport | None


# %% The network: convolution, batch norm, activation, linear layers and self-attention
class SmallNet(nn.Module):
    def __init__(self, channels: int = 16, width: int = 64, heads: int = 4):
        super().__init__()
        self.conv = nn.Conv2d(3, channels, kernel_size=3, padding=1)
        self.norm = nn.BatchNorm2d(channels)
        self.project = nn.Linear(channels, width)  # a matrix product (GEMM)
        self.attention = nn.MultiheadAttention(width, heads, batch_first=True)
        self.head = nn.Linear(width, 10)

    def forward(self, images):
        x = F.relu(self.norm(self.conv(images)))  # ReLU: an elementwise kernel
        x = F.max_pool2d(x, 2)
        tokens = self.project(x.flatten(2).transpose(1, 2))  # a pixel is a token
        attended, _ = self.attention(tokens, tokens, tokens, need_weights=False)
        return self.head(attended.mean(dim=1))


# %% The update: torch.optim.SGD(lr=lr) without momentum, in one foreach call
@torch.no_grad()
def sgd_step(parameters, lr: float) -> None:
    """w = w - lr * grad for every weight: the multi-tensor update SGD runs on a GPU.

    Written out so that the lesson does not import torch.optim, whose first use loads
    TorchDynamo (about a second); the test checks it against torch.optim.SGD.
    """
    weights = [p for p in parameters if p.grad is not None]
    torch._foreach_add_(weights, [w.grad for w in weights], alpha=-lr)
    for weight in weights:
        weight.grad = None


# %% How the GPU libraries choose a convolution algorithm here
def convolution_choice(backend: str) -> str:
    """How MIOpen or cuDNN pick a convolution algorithm, as torch is set up here."""
    benchmark = torch.backends.cudnn.benchmark
    if backend == "rocm":
        settings = f"torch.backends.cudnn.benchmark = {benchmark}, "
        # The flag came with PyTorch PR #158951 (July 2025): an older torch lacks it.
        immediate = getattr(getattr(torch.backends, "miopen", None), "immediate", None)
        if immediate is None:
            lacks = f"not in this torch ({torch.__version__})"
            return f"{settings}torch.backends.miopen.immediate: {lacks}"
        how = (
            "MIOpen's immediate mode picks each solver without timing"
            if immediate
            else "MIOpen's find step picks each solver, from its database when it "
            "knows the shape, else by timing candidates"
        )
        return f"{settings}torch.backends.miopen.immediate = {immediate}: {how}"
    how = (
        "cuDNN times its algorithms for each new shape and keeps the fastest"
        if benchmark
        else "cuDNN's heuristics pick each algorithm, without timing"
    )
    return f"torch.backends.cudnn.benchmark = {benchmark}: {how}"


# %% Printing a profile
def show(title: str, profile: Profile, profiled: str) -> None:
    unit = {"gpu_kernels": "GPU us", "cpu_ops": "CPU us", "mps_ops": "CPU us"}[profiled]
    wide = max(map(len, ["library", *profile.shares]))  # as wide as its longest name
    print(f"\n{title}")
    print(f"{'kernel / op':<44} {'library':<{wide}} {'calls':>5} {unit:>8}")
    for row in profile.rows[:SHOWN_ROWS]:
        line = f"{row.short_name(44):<44} {row.library:<{wide}} {row.calls:>5}"
        print(f"{line} {row.self_us:>8.0f}")
    print("by library:")
    for library, share in profile.shares.items():
        print(f"  {library:<{wide}} {share:6.1%}")


# %% The lesson
def main(device: str = "auto", quick: bool = True) -> WorkResult:
    """Profile forward passes and training steps; print who ran what in each."""
    torch.manual_seed(0)
    dev = pick_device(device)
    info = describe(dev)
    size, steps = (16, 5) if quick else (64, 20)
    model = SmallNet().to(dev)
    images = torch.randn(8, 3, size, size, device=dev)
    labels = torch.randint(0, 10, (8,), device=dev)

    def forward():
        with torch.inference_mode():
            model(images)

    def training_step():
        F.cross_entropy(model(images), labels).backward()
        sgd_step(model.parameters(), lr=0.01)

    profiles = []
    for mode, step in ((model.eval, forward), (model.train, training_step)):
        mode()
        step()  # warm-up: the first call picks algorithms and allocates memory
        rows = profile_work(step, info.backend, steps)
        profiles.append(Profile(rows, share_by_library(rows)))
    arch = arch_support(info)
    result = WorkResult(info, PROFILED[info.backend], steps, *profiles, arch)

    print(info.summary())
    if arch is None:
        print(f"no GPU architecture to check: this run used the {info.backend}")
    else:
        print(*arch.lines(), convolution_choice(info.backend), sep="\n")
    print(
        {
            "gpu_kernels": "profiled: the GPU time of each kernel",
            "cpu_ops": "profiled: the CPU time of each ATen op that did work itself, "
            f"on {PROFILE_THREADS} CPU thread(s)",
            "mps_ops": "profiled: the CPU time of each ATen op issued to the Apple "
            "GPU; torch.profiler records no Apple-GPU kernels, so who ran them is not "
            "shown",
        }[result.profiled]
    )
    median = f"median over {steps} profiled steps"
    show(f"forward pass (inference mode), {median}", result.forward, result.profiled)
    training = f"training step (forward, loss, backward, SGD update), {median}"
    show(training, result.training, result.profiled)
    return result


# %% The values the page's prose quotes, by name: the page and --compare both use them
def page_values(result: WorkResult) -> dict[str, object]:
    values: dict[str, object] = {
        "profiled": result.profiled,
        "steps": result.steps,
        "threads": PROFILE_THREADS,
    }
    for phase, profile in (("forward", result.forward), ("training", result.training)):
        values[f"{phase}_rows"] = [
            {"name": row.short_name(), "library": row.library, "calls": row.calls,
             "time_us": row.self_us}
            for row in profile.rows[:SHOWN_ROWS]
        ]  # fmt: skip
    libraries = dict.fromkeys([*result.forward.shares, *result.training.shares])
    values["libraries"] = [
        {"library": library, "forward": 100 * result.forward.shares.get(library, 0.0),
         "training": 100 * result.training.shares.get(library, 0.0)}
        for library in libraries
    ]  # fmt: skip
    gemm = gemm_library(result.device.backend)
    shares = result.forward.shares
    values["forward_gemm_share"] = 100 * shares.get(gemm, 0.0)
    values["forward_pytorch_share"] = 100 * shares.get(PYTORCH, 0.0)
    values["forward_pytorch_largest"] = next(
        (row.short_name() for row in result.forward.rows if row.library == PYTORCH), ""
    )
    largest = max(shares, key=shares.get)
    values["forward_gemm_rank"] = (
        "unseen" if gemm is None else "largest" if largest == gemm else "not_largest"
    )
    all_rows = result.forward.rows + result.training.rows
    by_gemm = any(row.library.endswith("for a convolution)") for row in all_rows)
    values["conv_by_gemm"] = "yes" if by_gemm else "no"
    values["arch_check"] = (
        "none" if result.arch is None
        else "compiled" if result.arch.compiled_for else "not_compiled"
    )  # fmt: skip
    return values


# %% Command line
if __name__ == "__main__":
    cli.run(main, OPTIONS, page_values)
