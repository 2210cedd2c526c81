"""examples/autograd_modes.py: what each switch changes, as PyTorch reports it."""

import autograd_modes
import pytest

from flowdocs.measure import compare


@pytest.fixture(scope="module")
def result():
    return autograd_modes.main(device="cpu")


def test_no_grad_and_inference_mode_record_nothing(result):
    assert result.no_grad_requires_grad is False
    assert result.inference_mode_requires_grad is False
    assert result.inference_mode_is_inference is True


def test_detach_shares_storage_but_leaves_the_graph(result):
    assert result.detach_shares_storage is True
    assert result.detach_requires_grad is False


def test_eval_changes_dropout_and_batchnorm_and_no_grad_does_not(result):
    assert result.dropout_identity_in_eval is True
    assert result.dropout_identity_in_train_under_no_grad is False
    assert result.batchnorm_stats_change_in_eval is False
    assert result.batchnorm_stats_change_in_train_under_no_grad is True


def test_the_evaluation_idiom_scores_the_synthetic_classifier(result):
    assert result.eval_accuracy > 0.9
    assert result.eval_loss > 0


def test_an_inference_tensor_is_refused_by_autograd(result):
    assert result.inference_tensor_error.startswith(
        "Inference tensors cannot be saved for backward"
    )


def test_the_verdicts_follow_from_the_measured_spread(result):
    t = result.timings
    assert list(t) == list(autograd_modes.MODES)
    assert all(timing.median > 0 for timing in t.values())
    assert result.verdicts == [
        compare(t["no_grad"], t["no context"]),
        compare(t["inference_mode"], t["no_grad"]),
    ]


def test_the_plot_shows_one_bar_per_mode_with_its_spread(result):
    figure = autograd_modes.plot_modes(result.timings, result.passes_per_call)
    axes = figure.axes[0]
    assert [tick.get_text() for tick in axes.get_xticklabels()] == list(autograd_modes.MODES)
    heights = [bar.get_height() for bar in axes.patches]
    assert heights == pytest.approx([t.median * 1e3 for t in result.timings.values()])
