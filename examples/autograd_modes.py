"""Autograd modes: no_grad, inference_mode and detach, and why eval() is a different switch.

Three ways to stop gradient tracking, each shown by what PyTorch reports: ``no_grad`` and
``inference_mode`` for a block of code, ``detach`` for one tensor. Then ``eval()`` against
``no_grad()``: one changes how Dropout and BatchNorm behave, the other only switches autograd
off. Then the evaluation idiom that uses both, the error an inference tensor raises in
autograd, and the timing exercise: forward passes with no context, under no_grad and under
inference_mode, reported with their spread.

Run it: ``python examples/autograd_modes.py [--device auto|cpu|cuda|mps] [--full]``
"""

# %% Imports
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from flowdocs import cli
from flowdocs.device import DeviceInfo, describe, pick_device
from flowdocs.measure import Timing, compare, error_bars, time_call

MODES = ("no context", "no_grad", "inference_mode")


# %% What the lesson returns
@dataclass
class ModesResult:
    device: DeviceInfo
    no_grad_requires_grad: bool
    inference_mode_requires_grad: bool
    inference_mode_is_inference: bool
    detach_shares_storage: bool
    detach_requires_grad: bool
    dropout_identity_in_eval: bool
    dropout_identity_in_train_under_no_grad: bool
    batchnorm_stats_change_in_eval: bool
    batchnorm_stats_change_in_train_under_no_grad: bool
    eval_loss: float
    eval_accuracy: float
    inference_tensor_error: str
    passes_per_call: int
    timings: dict[str, Timing]
    verdicts: list[str]


# %% 1. Switching autograd off for a block, or for one tensor
def tracking(device):
    model = nn.Linear(10, 2).to(device)
    x = torch.randn(4, 10, device=device)
    with torch.no_grad():
        y_no_grad = model(x)  # no graph is recorded
    with torch.inference_mode():
        y_inference = model(x)  # no graph, no version counters, no view tracking
    y = model(x)  # recorded: y remembers how it was computed
    y_detached = y.detach()  # same numbers, same memory, cut off from the graph
    return {
        "no_grad_requires_grad": y_no_grad.requires_grad,
        "inference_mode_requires_grad": y_inference.requires_grad,
        "inference_mode_is_inference": y_inference.is_inference(),
        "detach_shares_storage": y_detached.data_ptr() == y.data_ptr(),
        "detach_requires_grad": y_detached.requires_grad,
    }


# %% 2. eval() changes layers, no_grad() changes autograd: they are independent switches
def eval_versus_no_grad(device):
    x = torch.ones(1, 1000, device=device)
    dropout = nn.Dropout(p=0.5)
    dropout.eval()
    identity_in_eval = torch.equal(dropout(x), x)  # eval: Dropout passes x through unchanged
    dropout.train()
    with torch.no_grad():
        identity_in_train = torch.equal(dropout(x), x)  # train: drops and rescales, no_grad or not

    batch = torch.randn(8, 4, device=device) * 3 + 5
    norm = nn.BatchNorm1d(4).to(device)
    norm.eval()
    before = norm.running_mean.clone()
    norm(batch)
    changes_in_eval = not torch.equal(norm.running_mean, before)  # eval: statistics frozen
    norm.train()
    with torch.no_grad():
        norm(batch)
    changes_in_train = not torch.equal(norm.running_mean, before)  # train: they keep learning
    return {
        "dropout_identity_in_eval": identity_in_eval,
        "dropout_identity_in_train_under_no_grad": identity_in_train,
        "batchnorm_stats_change_in_eval": changes_in_eval,
        "batchnorm_stats_change_in_train_under_no_grad": changes_in_train,
    }


# %% 3. The evaluation idiom: eval() for behaviour, inference_mode() for autograd
def evaluate(model, loader, criterion, device):
    """Mean loss and accuracy of ``model`` over ``loader``, without touching the model."""
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
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 2))
    model = model.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    criterion = nn.CrossEntropyLoss()
    model.train()
    for _ in range(50):
        optimizer.zero_grad()
        criterion(model(points.to(device)), labels.to(device)).backward()
        optimizer.step()
    loader = DataLoader(TensorDataset(points, labels), batch_size=64)
    return evaluate(model, loader, criterion, device)


# %% 4. Inference tensors cannot join autograd later
def inference_tensor_error(device) -> str:
    """The first line of the error PyTorch raises when an inference tensor is saved for backward."""
    with torch.inference_mode():
        features = torch.ones(3, device=device)  # an inference tensor
    weight = torch.ones(3, device=device, requires_grad=True)
    try:
        weight * features  # the product must save `features` to compute weight's gradient
    except RuntimeError as error:
        return str(error).splitlines()[0]
    return ""


# %% 5. The exercise: time forward passes with no context, under no_grad, under inference_mode
def time_modes(device, passes: int, min_run_time: float) -> dict[str, Timing]:
    """Median and spread of ``passes`` forward passes of a small MLP under each mode."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)).to(device).eval()
    x = torch.randn(32, 64, device=device)
    contexts = dict(
        zip(MODES, (torch.enable_grad, torch.no_grad, torch.inference_mode), strict=True)
    )

    def forward_passes(context):
        def run():
            with context():
                for _ in range(passes):
                    model(x)

        return run

    return {
        mode: time_call(forward_passes(context), mode, min_run_time)
        for mode, context in contexts.items()
    }


def plot_modes(timings: dict[str, Timing], passes: int):
    """A bar per mode: the median, with the interquartile range as the error bar."""
    import matplotlib.pyplot as plt

    medians = [t.median * 1e3 for t in timings.values()]
    spread = error_bars(list(timings.values()))
    figure, axes = plt.subplots(figsize=(6, 3.2))
    axes.bar(
        list(timings), medians, yerr=spread, capsize=8, color=["#9aa5b1", "#4c78a8", "#f58518"]
    )
    axes.set_ylabel(f"ms per {passes} forward passes")
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    return figure


# %% The lesson
def main(device: str = "auto", quick: bool = True) -> ModesResult:
    torch.manual_seed(0)
    dev = pick_device(device)
    passes, min_run_time = (20, 0.1) if quick else (100, 1.0)
    loss, accuracy = synthetic_classifier(dev, samples=256 if quick else 4096)
    timings = time_modes(dev, passes, min_run_time)
    result = ModesResult(
        device=describe(dev),
        **tracking(dev),
        **eval_versus_no_grad(dev),
        eval_loss=loss,
        eval_accuracy=accuracy,
        inference_tensor_error=inference_tensor_error(dev),
        passes_per_call=passes,
        timings=timings,
        verdicts=[
            compare(timings["no_grad"], timings["no context"]),
            compare(timings["inference_mode"], timings["no_grad"]),
        ],
    )
    print(result.device.summary())
    print("# 1. tracking off")
    print(f"no_grad:        y.requires_grad = {result.no_grad_requires_grad}")
    print(f"inference_mode: y.requires_grad = {result.inference_mode_requires_grad}")
    print(f"inference_mode: y.is_inference() = {result.inference_mode_is_inference}")
    print(f"detach: shares storage = {result.detach_shares_storage}")
    print(f"detach: requires_grad = {result.detach_requires_grad}")
    print("# 2. eval() vs no_grad()")
    print(f"Dropout in eval: output == input -> {result.dropout_identity_in_eval}")
    print(
        "Dropout in train, under no_grad: output == input -> "
        f"{result.dropout_identity_in_train_under_no_grad}"
    )
    print(f"BatchNorm in eval: running_mean changed -> {result.batchnorm_stats_change_in_eval}")
    print(
        "BatchNorm in train, under no_grad: running_mean changed -> "
        f"{result.batchnorm_stats_change_in_train_under_no_grad}"
    )
    print("# 3. evaluation idiom")
    print(f"eval loss = {result.eval_loss:.4f}, accuracy = {result.eval_accuracy:.3f}")
    print("# 4. an inference tensor in autograd")
    print(f"RuntimeError: {result.inference_tensor_error}")
    print(f"# 5. timing: {passes} forward passes per call")
    for timing in timings.values():
        print(
            f"{timing.label:<15} median {timing.median * 1e3:8.3f} ms  "
            f"IQR {timing.iqr * 1e3:7.3f} ms  ({timing.runs} runs)"
        )
    for verdict in result.verdicts:
        print(verdict)
    return result


# %% Command line
if __name__ == "__main__":
    cli.run(main, __doc__)
