"""Training flow: one step of forward, loss, backward and optimizer.step, and what it costs.

The same nn.Linear(3, 1) as the inference lesson learns for one step. Four checkpoints show
it: ``model.training = True``, ``pred.requires_grad = True``, a ``weight.grad`` after
backward, and ``weight changed = True`` after the step. Then one training step is timed
against one inference call, with the bytes autograd keeps for the backward pass.

Run it: ``python examples/training_flow.py [--device auto|cpu|cuda|mps] [--full]``
"""

# %% Imports
from dataclasses import dataclass

import torch
from torch import nn

from flowdocs import cli
from flowdocs.device import DeviceInfo, describe, pick_device
from flowdocs.measure import (
    Timing,
    bytes_saved_for_backward,
    changed_parameters,
    compare,
    snapshot,
    time_call,
)


# %% What the lesson returns
@dataclass
class Cost:
    """One inference call against one training step, on one model."""

    model: str
    inference: Timing
    training: Timing
    saved_by_inference: int
    saved_by_training: int
    verdict: str

    @property
    def time_ratio(self) -> float:
        return self.training.median / self.inference.median


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
    """forward -> loss -> backward -> optimizer.step; returns the prediction and the loss."""
    model.train()  # training behaviour (Dropout active, BatchNorm learning its statistics)
    optimizer.zero_grad()  # gradients add up; start this step from zero
    pred = model(x)  # forward, recorded by autograd for the backward pass
    loss = loss_fn(pred, y_true)  # how far the prediction is from the target, as one number
    loss.backward()  # gradients of the loss with respect to every weight
    optimizer.step()  # move each weight a little against its gradient
    return pred, loss


# %% The cost of learning: time one inference call and one training step
def cost(name: str, model: nn.Module, x, y_true, min_run_time: float) -> Cost:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()

    def infer():
        model.eval()
        with torch.no_grad():
            return model(x)

    def train():
        return train_step(model, optimizer, loss_fn, x, y_true)

    inference = time_call(infer, "inference call", min_run_time)
    training = time_call(train, "training step", min_run_time)
    return Cost(
        model=name,
        inference=inference,
        training=training,
        saved_by_inference=bytes_saved_for_backward(infer),
        saved_by_training=bytes_saved_for_backward(lambda: model(x)),
        verdict=compare(inference, training),
    )


# %% The lesson
def main(device: str = "auto", quick: bool = True) -> TrainingResult:
    """Run one training step, print the checkpoints, then compare costs with inference."""
    torch.manual_seed(0)
    dev = pick_device(device)
    model = nn.Linear(3, 1).to(dev)  # the same model, seed and input as the inference lesson
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

    # A slightly larger network shows the same pattern with more work per step.
    batch, width = (64, 256) if quick else (256, 1024)
    mlp = nn.Sequential(
        nn.Linear(64, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 1)
    ).to(dev)
    mlp_x = torch.randn(batch, 64, device=dev)
    mlp_y = torch.randn(batch, 1, device=dev)
    min_run_time = 0.05 if quick else 1.0
    result.costs = [
        cost("Linear(3, 1)", model, x, y_true, min_run_time),
        cost(f"MLP 64-{width}-{width}-1, batch {batch}", mlp, mlp_x, mlp_y, min_run_time),
    ]
    print()
    for c in result.costs:
        print(f"{c.model}:")
        for t in (c.inference, c.training):
            print(
                f"  {t.label:<15} median {t.median * 1e6:9.1f} us  "
                f"IQR {t.iqr * 1e6:7.1f} us  ({t.runs} runs)"
            )
        print(f"  training step / inference call = {c.time_ratio:.1f}x  ({c.verdict})")
        print(
            f"  bytes kept for backward: training {c.saved_by_training:,}, "
            f"inference {c.saved_by_inference:,}"
        )
    return result


# %% Command line
if __name__ == "__main__":
    cli.run(main, __doc__)
