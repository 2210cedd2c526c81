"""Training flow: one step of forward, loss, backward and optimizer.step, and its cost.

The same nn.Linear(3, 1) as the inference lesson learns for one step. Four checkpoints
show it: ``model.training = True``, ``pred.requires_grad = True``, a ``weight.grad``
after backward, and ``weight changed = True`` after the step. Then one training step is
timed against one inference call, in interleaved rounds, and the memory a training step
holds beyond inference is counted part by part: the activations autograd saves for the
backward pass (apart from the weights and inputs, which inference holds anyway), the
gradients, and the state of three optimizers after their first step.

Needs torch and the flowdocs helpers (a lesson downloaded from the site carries them).
Run it: python examples/training_flow.py [--device auto|cpu|cuda|mps] [--full]
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

import copy
from dataclasses import dataclass

import torch
from torch import nn

from flowdocs.device import DeviceInfo, describe, pick_device
from flowdocs.measure import (
    Conditions,
    OptimizerState,
    SavedForBackward,
    Timing,
    Verdict,
    changed_parameters,
    gradient_bytes,
    optimizer_state,
    saved_for_backward,
    snapshot,
    time_interleaved,
)

# The optimizers whose state the lesson counts: none, one, two values kept per weight.
OPTIMIZERS = {
    "SGD": lambda params: torch.optim.SGD(params, lr=0.01),
    "SGD with momentum": lambda params: torch.optim.SGD(params, lr=0.01, momentum=0.9),
    "Adam": lambda params: torch.optim.Adam(params, lr=0.01),
}


# %% What the lesson returns
@dataclass
class Cost:
    """One inference call against one training step, on one model."""

    model: str
    inference: Timing
    training: Timing
    verdict: Verdict  # how the training step compares with the inference call
    saved_by_training: SavedForBackward
    saved_by_inference: SavedForBackward
    parameters: int  # bytes of the weights, which inference holds too
    gradients: int  # bytes of the .grad that backward leaves for every weight
    optimizer_states: dict[str, OptimizerState]  # after one step with each optimizer
    conditions: Conditions  # threads and load while it was timed

    @property
    def time_ratio(self) -> float:
        return self.training.median / self.inference.median

    @property
    def gradients_against_activations(self) -> str:
        """How the gradients compare with the saved activations, which a page's prose
        follows: ``no-activations``, ``larger``, ``smaller`` or ``equal``."""
        activations = self.saved_by_training.activations
        if not activations:
            return "no-activations"
        if self.gradients == activations:
            return "equal"
        return "larger" if self.gradients > activations else "smaller"


@dataclass
class TrainingResult:
    device: DeviceInfo
    training: bool
    requires_grad: bool
    loss: float
    weight_grad: list[float]
    weight_changed: bool
    costs: list[Cost]


# %% One training step, the four moves of the lesson
def train_step(model: nn.Module, optimizer, loss_fn, x, y_true):
    """forward -> loss -> backward -> optimizer.step; returns prediction and loss."""
    model.train()  # training behaviour (Dropout active, BatchNorm learning statistics)
    optimizer.zero_grad()  # gradients add up; start this step from zero
    pred = model(x)  # forward, recorded by autograd for the backward pass
    loss = loss_fn(pred, y_true)  # how far the prediction is from the target
    loss.backward()  # gradients of the loss with respect to every weight
    optimizer.step()  # move each weight a little against its gradient
    return pred, loss


# %% The cost of learning: an inference call and a training step, timed in turns
def cost_variants(model: nn.Module, x, y_true) -> dict[str, object]:
    """One inference call and one training step of ``model``, ready to be timed."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()

    def infer():
        model.eval()
        with torch.no_grad():
            return model(x)

    def train():
        return train_step(model, optimizer, loss_fn, x, y_true)

    return {"inference call": infer, "training step": train}


def larger_mlp(device, quick: bool):
    """A slightly larger network: more layers, so more activations kept for backward."""
    batch, width = (64, 256) if quick else (256, 1024)
    mlp = nn.Sequential(
        nn.Linear(64, width),
        nn.ReLU(),
        nn.Linear(width, width),
        nn.ReLU(),
        nn.Linear(width, 1),
    ).to(device)
    x, y_true = (
        torch.randn(batch, 64, device=device),
        torch.randn(batch, 1, device=device),
    )
    return f"MLP 64-{width}-{width}-1", mlp, x, y_true


# %% The memory of learning: gradients and optimizer state, after one step on a copy
def step_with_each_optimizer(model: nn.Module, x, y_true) -> tuple[int, dict]:
    """The gradients' bytes after one step, and each optimizer's state after its first.

    Each optimizer steps a copy of ``model``, so the lesson's model is left as it was.
    """
    gradients, states = 0, {}
    for name, make in OPTIMIZERS.items():
        learner = copy.deepcopy(model)
        optimizer = make(learner.parameters())
        train_step(learner, optimizer, nn.MSELoss(), x, y_true)
        gradients = gradient_bytes(learner.parameters())  # the same for every optimizer
        states[name] = optimizer_state(optimizer)
    return gradients, states


def cost(name: str, model: nn.Module, x, y_true, rounds: int, block: float) -> Cost:
    variants = cost_variants(model, x, y_true)
    timed = time_interleaved(variants, rounds, block)
    # Weights and inputs exist whether or not autograd records: count them apart.
    held = [*model.parameters(), x]
    gradients, states = step_with_each_optimizer(model, x, y_true)
    return Cost(
        model=name,
        inference=timed["inference call"],
        training=timed["training step"],
        verdict=timed.verdict("training step", "inference call"),
        saved_by_training=saved_for_backward(lambda: model(x), held),
        saved_by_inference=saved_for_backward(variants["inference call"], held),
        parameters=sum(p.nbytes for p in model.parameters()),
        gradients=gradients,
        optimizer_states=states,
        conditions=timed.conditions,
    )


# %% The lesson
def main(device: str = "auto", quick: bool = True) -> TrainingResult:
    """Run one training step, print the checkpoints, then compare with inference."""
    torch.manual_seed(0)
    dev = pick_device(device)
    model = nn.Linear(3, 1).to(dev)  # the inference lesson's model, seed and input
    x = torch.tensor([[1.0, 2.0, 3.0]], device=dev)
    y_true = torch.tensor([[1.0]], device=dev)  # the answer we want the model to learn
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    before = snapshot(model)

    pred, loss = train_step(model, optimizer, nn.MSELoss(), x, y_true)

    weight_grad = model.weight.grad.flatten().tolist()
    result = TrainingResult(
        device=describe(dev),
        training=model.training,
        requires_grad=pred.requires_grad,
        loss=loss.item(),
        weight_grad=weight_grad,
        weight_changed=bool(changed_parameters(before, model)),
        costs=[],
    )
    print(result.device.summary())
    print(f"model.training = {result.training}")
    print(f"pred.requires_grad = {result.requires_grad}")
    print(f"loss = {result.loss:.4f}")
    print(f"weight.grad = [{', '.join(f'{g:.4f}' for g in weight_grad)}]")
    print(f"weight changed = {result.weight_changed}")

    rounds, block = (15, 0.002) if quick else (50, 0.01)
    result.costs = [
        cost("Linear(3, 1)", model, x, y_true, rounds, block),
        cost(*larger_mlp(dev, quick), rounds, block),
    ]
    for c in result.costs:
        print(f"\n{c.model}:")
        for line in c.conditions.summary().splitlines():
            print(f"  {line}")
        for t in (c.inference, c.training):
            print(
                f"  {t.label:<15} median {t.median * 1e6:9.1f} us  "
                f"IQR {t.iqr * 1e6:7.1f} us  ({t.runs} runs)"
            )
        print(f"  {c.verdict.sentence()}")
        saved = c.saved_by_training
        print(f"  weights: {c.parameters:,} bytes")
        print(
            f"  kept for backward: {saved.activations:,} bytes of activations, "
            f"{saved.held_anyway:,} of weights and inputs"
        )
        print(f"  kept by the inference call: {c.saved_by_inference.total:,} bytes")
        print(f"  gradients after backward: {c.gradients:,} bytes")
        for optimizer, state in c.optimizer_states.items():
            print(
                f"  {optimizer} state after its first step: {state.total:,} bytes "
                f"({state.values_per_weight:g} per weight, plus {state.other:,} bytes)"
            )
    return result


# %% The values the page's prose quotes, by name: the page and --compare both use them
def page_values(result: TrainingResult) -> dict[str, object]:
    values: dict[str, object] = {"loss": result.loss}
    values["costs"] = [
        {"model": c.model, "inference_us": c.inference.median * 1e6,
         "training_us": c.training.median * 1e6, "ratio": c.time_ratio}
        for c in result.costs
    ]  # fmt: skip
    values["memory"] = [
        {"model": c.model, "parameters": c.parameters,
         "activations": c.saved_by_training.activations, "gradients": c.gradients,
         **{name: c.optimizer_states[optimizer].total for name, optimizer in
            (("sgd", "SGD"), ("momentum", "SGD with momentum"), ("adam", "Adam"))}}
        for c in result.costs
    ]  # fmt: skip
    for key, c in zip(("small", "mlp"), result.costs, strict=True):
        values[f"{key}_time"] = c.verdict.code
        values[f"{key}_ratio"] = c.time_ratio
        values[f"{key}_memory"] = c.gradients_against_activations
        values[f"{key}_activations"] = c.saved_by_training.activations
        values[f"{key}_held"] = c.saved_by_training.held_anyway
        values[f"{key}_gradients"] = c.gradients
    mlp_states = result.costs[-1].optimizer_states
    values["mlp_sgd"] = mlp_states["SGD"].total
    values["mlp_momentum"] = mlp_states["SGD with momentum"].total
    values["mlp_adam"] = mlp_states["Adam"].total
    values["mlp_adam_other"] = mlp_states["Adam"].other
    conditions = max(
        (c.conditions for c in result.costs), key=lambda c: c.load_average or 0
    )
    values["rounds"] = conditions.rounds
    values["threads"] = conditions.threads
    values["machine"] = conditions.machine
    values["load"] = conditions.load_average or 0.0
    values["cores"] = conditions.cores
    return values


# %% Command line
if __name__ == "__main__":
    cli.run(main, OPTIONS, page_values)
