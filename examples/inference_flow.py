"""Inference flow: run a model forward only, and check that nothing about it changed.

Three checkpoints make inference visible:
``model.training = False`` (eval mode), ``pred.requires_grad = False`` (no graph was
recorded) and ``weight changed = False`` (no update happened).

Needs torch and the flowdocs helpers (a lesson downloaded from the site carries them).
Run it: python examples/inference_flow.py [--device auto|cpu|cuda|mps]
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
    OPTIONS = cli.parse(__doc__, full=False)  # one forward pass: nothing to enlarge

from dataclasses import dataclass

import torch
from torch import nn

from flowdocs.device import DeviceInfo, describe, pick_device
from flowdocs.measure import changed_parameters, snapshot


# %% What the lesson returns, so tests and pages read the facts rather than the printout
@dataclass
class InferenceResult:
    device: DeviceInfo
    training: bool
    requires_grad: bool
    weight_changed: bool
    prediction: float


# %% The lesson: one forward pass of nn.Linear(3, 1) in eval mode, without autograd
def main(device: str = "auto", quick: bool = True) -> InferenceResult:
    """Run one inference step, print the three checkpoints (``quick``: no effect)."""
    torch.manual_seed(0)
    dev = pick_device(device)
    model = nn.Linear(3, 1).to(dev)  # y_hat = x @ w.T + b: three weights and one bias
    x = torch.tensor([[1.0, 2.0, 3.0]], device=dev)  # one sample with three features
    before = snapshot(model)

    model.eval()  # inference behaviour for layers such as Dropout and BatchNorm
    with torch.no_grad():  # record nothing for a backward pass
        pred = model(x)  # forward: the only computation inference needs

    result = InferenceResult(
        device=describe(dev),
        training=model.training,
        requires_grad=pred.requires_grad,
        weight_changed=bool(changed_parameters(before, model)),
        prediction=pred.item(),
    )
    print(result.device.summary())
    print(f"model.training = {result.training}")
    print(f"pred = {result.prediction:.4f}")
    print(f"pred.requires_grad = {result.requires_grad}")
    print(f"weight changed = {result.weight_changed}")
    return result


# %% The values the page's prose quotes, by name: the page and --compare both use them
def page_values(result: InferenceResult) -> dict[str, object]:
    return {"prediction": result.prediction}


# %% Command line: python examples/inference_flow.py --device cpu
if __name__ == "__main__":
    cli.run(main, OPTIONS, page_values)
