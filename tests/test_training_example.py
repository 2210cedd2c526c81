"""examples/training_flow.py: one step changes the weights; learning costs more than answering."""

import pytest
import torch
import training_flow

from flowdocs.measure import MIN_RUNS, compare


@pytest.fixture(scope="module")
def result():
    return training_flow.main(device="cpu")


def test_one_step_is_training(result):
    assert result.training is True
    assert result.requires_grad is True
    assert result.weight_changed is True


def test_backward_left_a_gradient_that_matches_the_loss(result):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)  # the example's model, seeded the same way
    x = torch.tensor([[1.0, 2.0, 3.0]])
    error = (model(x) - 1.0).item()
    assert result.loss == pytest.approx(error**2, rel=1e-5)
    # d(error^2)/dw = 2 * error * x
    assert result.weight_grad == pytest.approx([2 * error * v for v in (1.0, 2.0, 3.0)], rel=1e-5)
    assert all(g != 0 for g in result.weight_grad)


def test_training_keeps_activations_beyond_what_inference_holds(result):
    small, mlp = result.costs
    for cost in result.costs:
        assert cost.saved_by_inference.total == 0
        assert cost.saved_by_training.held_anyway > 0
        assert cost.time_ratio == pytest.approx(cost.training.median / cost.inference.median)
    # One linear layer's gradient needs only its input: nothing beyond what inference holds.
    assert small.saved_by_training.activations == 0
    # The MLP keeps both ReLU outputs (batch 64, width 256, float32) for the backward pass.
    assert mlp.saved_by_training.activations == 2 * 64 * 256 * 4


def test_the_costs_are_timed_in_enough_rounds_for_a_verdict(result):
    for cost in result.costs:
        assert cost.inference.runs >= MIN_RUNS and cost.training.runs >= MIN_RUNS
        assert cost.verdict == compare(cost.training, cost.inference, cost.conditions.busy)
        assert cost.conditions.threads == 1


def test_the_checkpoints_are_printed(capsys):
    training_flow.main(device="cpu")
    out = capsys.readouterr().out
    for line in ("model.training = True", "pred.requires_grad = True", "weight changed = True"):
        assert line in out.splitlines()
    assert "loss = " in out and "weight.grad = [" in out
    assert "kept for backward: 131,072 bytes of activations" in out
