"""examples/inference_flow.py: the three checkpoints of inference, and its command line."""

import inference_flow
import pytest
import torch


def test_inference_leaves_the_model_untouched(capsys):
    result = inference_flow.main(device="cpu")
    assert result.training is False
    assert result.requires_grad is False
    assert result.weight_changed is False
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == result.device.summary()
    for line in ("model.training = False", "pred.requires_grad = False", "weight changed = False"):
        assert line in printed


def test_the_prediction_is_the_linear_formula():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)  # the example seeds the same way before building its model
    expected = (torch.tensor([1.0, 2.0, 3.0]) @ model.weight[0] + model.bias[0]).item()
    assert inference_flow.main(device="cpu").prediction == pytest.approx(expected)
