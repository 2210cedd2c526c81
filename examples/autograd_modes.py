"""Autograd modes: no_grad, inference_mode and detach, and why eval() is another switch.

Three ways to stop gradient tracking, each shown by what PyTorch reports:
``no_grad`` and ``inference_mode`` for a block of code or a whole function,
``detach`` for one tensor. Then ``eval()`` against ``no_grad()``: one changes how
Dropout and BatchNorm behave, the other only switches autograd off. Then the
evaluation idiom that uses both, what an inference tensor can and cannot do
afterwards, and the timing exercise: forward passes with no context, under no_grad
and under inference_mode, timed in interleaved rounds.

Needs torch and the flowdocs helpers (a lesson downloaded from the site carries them).
Run it: python examples/autograd_modes.py [--device auto|cpu|cuda|mps] [--full]
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

import textwrap
from contextlib import nullcontext
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from flowdocs.device import DeviceInfo, describe, pick_device
from flowdocs.measure import (
    PLOT_COLOURS,
    PLOT_STYLE,
    InterleavedTimings,
    Verdict,
    error_bars,
    time_interleaved,
)

# The timed variants, named by the context each forward pass runs in.
MODES = {
    "nullcontext": nullcontext,
    "no_grad": torch.no_grad,
    "inference_mode": torch.inference_mode,
}
COMPARED = (("no_grad", "nullcontext"), ("inference_mode", "no_grad"))


# %% What the lesson returns
@dataclass
class ModesResult:
    device: DeviceInfo
    no_grad_requires_grad: bool
    inference_mode_requires_grad: bool
    inference_mode_is_inference: bool
    inplace_inside_inference_mode_bumps_version: bool
    view_inside_inference_mode_is_inference: bool
    detach_shares_storage: bool
    detach_requires_grad: bool
    factory_under_no_grad_requires_grad: bool
    decorated_no_grad_requires_grad: bool
    decorated_inference_is_inference: bool
    dropout_identity_in_eval: bool
    dropout_identity_in_train_under_no_grad: bool
    batchnorm_stats_change_in_eval: bool
    batchnorm_stats_change_in_train_under_no_grad: bool
    eval_loss: float
    eval_accuracy: float
    inference_tensor_uses: dict[str, str]
    timings: InterleavedTimings
    verdicts: list[Verdict]


# %% 1. Switching autograd off for a block, or for one tensor
def tracking(device):
    model = nn.Linear(10, 2).to(device)
    x = torch.randn(4, 10, device=device)
    with torch.no_grad():
        y_no_grad = model(x)  # no graph is recorded
        # A tensor asked for explicitly still requires grad: no_grad records no
        # operations, it does not change what a factory call returns.
        leaf = torch.zeros(3, device=device, requires_grad=True)
    normal = torch.ones(3, device=device)  # a normal tensor, made outside
    version = normal._version  # how many times it was changed in place
    with torch.inference_mode():
        y_inference = model(x)  # no graph; an inference tensor: no version counter
        # The skipped bookkeeping is the inference tensors'. A normal tensor keeps its:
        normal.add_(1)  # changed in place, its version counter still moves
        normal_view = normal[:2]  # a view of it is a normal tensor, tracked as a view
    y = model(x)  # recorded: y remembers how it was computed
    y_detached = y.detach()  # same numbers, same memory, cut off from the graph
    return {
        "no_grad_requires_grad": y_no_grad.requires_grad,
        "inference_mode_requires_grad": y_inference.requires_grad,
        "inference_mode_is_inference": y_inference.is_inference(),
        "inplace_inside_inference_mode_bumps_version": normal._version > version,
        "view_inside_inference_mode_is_inference": normal_view.is_inference(),
        "detach_shares_storage": y_detached.data_ptr() == y.data_ptr(),
        "detach_requires_grad": y_detached.requires_grad,
        "factory_under_no_grad_requires_grad": leaf.requires_grad,
    }


# %% 2. The same switches as decorators: a whole function runs without recording
@torch.no_grad()
def predict_no_grad(model, x):
    return model(x)


@torch.inference_mode()
def predict(model, x):
    return model(x)


def decorated(device):
    model = nn.Linear(10, 2).to(device)
    x = torch.randn(4, 10, device=device)
    return {
        "decorated_no_grad_requires_grad": predict_no_grad(model, x).requires_grad,
        "decorated_inference_is_inference": predict(model, x).is_inference(),
    }


# %% 3. eval() changes layers, no_grad() changes autograd: they are independent switches
def eval_versus_no_grad(device):
    x = torch.ones(1, 1000, device=device)
    dropout = nn.Dropout(p=0.5)
    dropout.eval()
    identity_in_eval = torch.equal(dropout(x), x)  # eval: Dropout passes x through
    dropout.train()
    with torch.no_grad():
        identity_in_train = torch.equal(dropout(x), x)  # train: drops, no_grad or not

    batch = torch.randn(8, 4, device=device) * 3 + 5
    norm = nn.BatchNorm1d(4).to(device)
    norm.eval()
    before = norm.running_mean.clone()
    norm(batch)
    changes_in_eval = not torch.equal(norm.running_mean, before)  # eval: frozen
    norm.train()
    with torch.no_grad():
        norm(batch)
    changes_in_train = not torch.equal(
        norm.running_mean, before
    )  # train: still learning
    return {
        "dropout_identity_in_eval": identity_in_eval,
        "dropout_identity_in_train_under_no_grad": identity_in_train,
        "batchnorm_stats_change_in_eval": changes_in_eval,
        "batchnorm_stats_change_in_train_under_no_grad": changes_in_train,
    }


# %% 4. The evaluation idiom: eval() for behaviour, inference_mode() for autograd
def evaluate(model, loader, criterion, device):
    """Mean loss and accuracy of ``model`` over ``loader``, leaving the model as is."""
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with torch.inference_mode():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            out = model(x)
            total_loss += criterion(out, y).item() * len(x)
            correct += (out.argmax(dim=1) == y).sum().item()
            seen += len(x)
    return total_loss / seen, correct / seen


def synthetic_classifier(device, samples: int):
    """Two Gaussian blobs, and a small classifier trained on them for a few steps."""
    generator = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 2, (samples,), generator=generator)
    points = torch.randn(samples, 2, generator=generator) + labels[:, None] * 3.0
    model = nn.Sequential(
        nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 2)
    )
    model = model.to(device)
    criterion = nn.CrossEntropyLoss()
    model.train()
    for _ in range(50):
        model.zero_grad()
        criterion(model(points.to(device)), labels.to(device)).backward()
        with torch.no_grad():  # the update itself must not be recorded
            for weight in model.parameters():
                weight -= 0.1 * weight.grad
    loader = DataLoader(TensorDataset(points, labels), batch_size=64)
    return evaluate(model, loader, criterion, device)


# %% 5. Inference tensors later: what autograd refuses, and what it allows
def inference_tensor_uses(device) -> dict[str, str]:
    """Uses of an inference tensor, and PyTorch's answer: an error, or the result."""
    with torch.inference_mode():
        features = torch.ones(3, device=device)  # an inference tensor
    weight = torch.ones(3, device=device, requires_grad=True)
    uses = {
        "weight * features": lambda: weight * features,  # saves features for backward
        "features.add_(1)": lambda: features.add_(
            1
        ),  # in place, outside inference_mode
        "features.requires_grad_()": lambda: features.requires_grad_(),
        # The gradient of a sum does not need its inputs: nothing is saved, so it works.
        "(weight + features).sum().backward()": lambda: (
            (weight + features).sum().backward()
        ),
    }
    answers = {}
    for code, use in uses.items():
        try:
            use()
        except RuntimeError as error:
            answers[code] = "RuntimeError: " + str(error).split(".")[0] + "."
        else:
            answers[code] = f"allowed; weight.grad = {weight.grad.tolist()}"
    return answers


# %% 6. The exercise: forward passes with no context, no_grad and inference_mode
def mode_variants(device) -> dict[str, object]:
    """One forward pass of a small MLP under each mode, ready to be timed."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    model = model.to(device).eval()
    x = torch.randn(32, 64, device=device)

    def forward_pass(context):
        def run():
            with context():
                model(x)

        return run

    return {mode: forward_pass(context) for mode, context in MODES.items()}


def time_modes(device, rounds: int, block_seconds: float) -> InterleavedTimings:
    """The modes timed in interleaved rounds, so a change in load hits all three."""
    return time_interleaved(mode_variants(device), rounds, block_seconds)


def plot_modes(timings: InterleavedTimings):
    """A point per mode: the median in microseconds, with the IQR as its error bar.

    The figure is closed in pyplot: a notebook shows it only where it is displayed.
    """
    import matplotlib.pyplot as plt

    modes = list(timings.timings.values())
    with plt.rc_context(PLOT_STYLE):
        figure, axes = plt.subplots(figsize=(6, 3.2))
        for x, (timing, colour) in enumerate(zip(modes, PLOT_COLOURS, strict=True)):
            axes.errorbar(
                [x],
                [timing.median * 1e6],
                yerr=error_bars([timing], scale=1e6),
                fmt="o",
                markersize=8,
                capsize=8,
                color=colour,
            )
        axes.set_xticks(range(len(modes)), [t.label for t in modes])
        axes.set_xlim(-0.5, len(modes) - 0.5)
        axes.set_ylabel("µs")
        axes.set_ylim(bottom=0)
        axes.grid(axis="y", alpha=0.3)
        figure.tight_layout()
    plt.close(figure)
    return figure


# %% The lesson
def main(device: str = "auto", quick: bool = True) -> ModesResult:
    torch.manual_seed(0)
    dev = pick_device(device)
    rounds, block_seconds = (20, 0.002) if quick else (50, 0.01)
    loss, accuracy = synthetic_classifier(dev, samples=256 if quick else 4096)
    timings = time_modes(dev, rounds, block_seconds)
    result = ModesResult(
        device=describe(dev),
        **tracking(dev),
        **decorated(dev),
        **eval_versus_no_grad(dev),
        eval_loss=loss,
        eval_accuracy=accuracy,
        inference_tensor_uses=inference_tensor_uses(dev),
        timings=timings,
        verdicts=[timings.verdict(a, b) for a, b in COMPARED],
    )
    r = result
    print(r.device.summary())
    print("# 1. tracking off")
    print(f"no_grad:        y.requires_grad = {r.no_grad_requires_grad}")
    print(f"inference_mode: y.requires_grad = {r.inference_mode_requires_grad}")
    print(f"inference_mode: y.is_inference() = {r.inference_mode_is_inference}")
    print(
        "inference_mode: normal tensor changed in place, version bumped = "
        f"{r.inplace_inside_inference_mode_bumps_version}"
    )
    print(
        "inference_mode: view of a normal tensor, is_inference() = "
        f"{r.view_inside_inference_mode_is_inference}"
    )
    print(f"detach: shares storage = {r.detach_shares_storage}")
    print(f"detach: requires_grad = {r.detach_requires_grad}")
    print(
        "no_grad: torch.zeros(3, requires_grad=True).requires_grad = "
        f"{r.factory_under_no_grad_requires_grad}"
    )
    print("# 2. decorators")
    print(f"@torch.no_grad(): y.requires_grad = {r.decorated_no_grad_requires_grad}")
    print(
        f"@torch.inference_mode(): is_inference = {r.decorated_inference_is_inference}"
    )
    print("# 3. eval() vs no_grad()")
    print(f"Dropout in eval: output == input -> {r.dropout_identity_in_eval}")
    print(
        "Dropout in train, under no_grad: output == input -> "
        f"{r.dropout_identity_in_train_under_no_grad}"
    )
    print(
        f"BatchNorm in eval: running_mean changed -> {r.batchnorm_stats_change_in_eval}"
    )
    print(
        "BatchNorm in train, under no_grad: running_mean changed -> "
        f"{r.batchnorm_stats_change_in_train_under_no_grad}"
    )
    print("# 4. evaluation idiom")
    print(f"eval loss = {r.eval_loss:.4f}, accuracy = {r.eval_accuracy:.3f}")
    print("# 5. an inference tensor outside inference_mode")
    for code, answer in r.inference_tensor_uses.items():
        print(code)
        print(
            textwrap.fill(answer, 88, initial_indent="  -> ", subsequent_indent="     ")
        )
    print("# 6. timing: one forward pass under each mode")
    print(timings.conditions.summary())
    for t in timings.timings.values():
        print(
            f"{t.label:<15} median {t.median * 1e6:8.1f} us  "
            f"IQR {t.iqr * 1e6:7.1f} us  ({t.runs} runs of {t.calls_per_run} calls)"
        )
    for verdict in r.verdicts:
        print(verdict.sentence())
    return result


# %% The values the page's prose quotes, by name: the page and --compare both use them
def page_values(result: ModesResult) -> dict[str, object]:
    timings, conditions = result.timings, result.timings.conditions
    no_grad_vs_none, inference_vs_no_grad = result.verdicts
    return {
        "accuracy": result.eval_accuracy * 100,
        "timings": [
            {"mode": t.label, "median_us": t.median * 1e6, "iqr_us": t.iqr * 1e6,
             "runs": t.runs, "calls": t.calls_per_run}
            for t in timings.timings.values()
        ],
        "no_grad_vs_none": no_grad_vs_none.code,
        "no_grad_ratio": no_grad_vs_none.ratio,
        "inference_vs_no_grad": inference_vs_no_grad.code,
        "inference_ratio": inference_vs_no_grad.ratio,
        "rounds": conditions.rounds,
        "threads": conditions.threads,
        "machine": conditions.machine,
        "load": conditions.load_average or 0.0,
        "cores": conditions.cores,
    }  # fmt: skip


# %% Command line
if __name__ == "__main__":
    cli.run(main, OPTIONS, page_values)
