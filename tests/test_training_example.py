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


def test_a_step_leaves_a_gradient_as_large_as_every_weight(result):
    small, mlp = result.costs
    assert small.parameters == (3 + 1) * 4  # three weights and a bias, float32
    # The MLP 64-256-256-1: two weight matrices of 256 columns, a last row, and their biases.
    assert mlp.parameters == (64 * 256 + 256 + 256 * 256 + 256 + 256 + 1) * 4
    for cost in result.costs:
        assert cost.gradients == cost.parameters


def test_each_optimizer_keeps_its_own_number_of_values_per_weight(result):
    # Linear(3, 1) has two parameter tensors (weight, bias), the MLP six.
    for cost, tensors in zip(result.costs, (2, 6), strict=True):
        states = cost.optimizer_states
        assert [state.values_per_weight for state in states.values()] == [0, 1, 2]
        assert states["SGD"].total == 0
        assert states["SGD with momentum"].total == cost.parameters
        # Adam: two running averages per weight, and a float32 step count per parameter tensor.
        assert states["Adam"].per_weight == 2 * cost.parameters
        assert states["Adam"].other == 4 * tensors


def test_the_prose_follows_how_the_gradients_compare_with_the_activations(result):
    small, mlp = result.costs
    assert small.gradients_against_activations == "no-activations"
    # 330,756 bytes of gradients against 131,072 of saved ReLU outputs.
    assert mlp.gradients > mlp.saved_by_training.activations
    assert mlp.gradients_against_activations == "larger"


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
    assert "gradients after backward: 330,756 bytes" in out
    assert "Adam state after its first step: 661,536 bytes (2 per weight, plus 24 bytes)" in out
