"""examples/autograd_modes.py: what each switch changes, as PyTorch reports it."""

import autograd_modes
import pytest

from flowdocs.measure import MIN_RUNS


@pytest.fixture(scope="module")
def result():
    return autograd_modes.main(device="cpu")


def test_no_grad_and_inference_mode_record_nothing(result):
    assert result.no_grad_requires_grad is False
    assert result.inference_mode_requires_grad is False
    assert result.inference_mode_is_inference is True


def test_inference_mode_skips_the_bookkeeping_of_inference_tensors_only(result):
    # A normal tensor changed in place inside inference_mode still bumps its version counter,
    # and a view of it made there is a normal tensor, not an inference tensor.
    assert result.inplace_inside_inference_mode_bumps_version is True
    assert result.view_inside_inference_mode_is_inference is False


def test_a_tensor_made_with_requires_grad_under_no_grad_still_requires_grad(result):
    assert result.factory_under_no_grad_requires_grad is True


def test_the_decorator_forms_switch_autograd_off_for_the_whole_function(result):
    assert result.decorated_no_grad_requires_grad is False
    assert result.decorated_inference_is_inference is True


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


def test_an_inference_tensor_is_refused_only_where_autograd_would_need_it(result):
    uses = result.inference_tensor_uses
    assert uses["weight * features"].startswith(
        "RuntimeError: Inference tensors cannot be saved for backward"
    )
    assert uses["features.add_(1)"].startswith(
        "RuntimeError: Inplace update to inference tensor outside InferenceMode"
    )
    assert uses["features.requires_grad_()"].startswith(
        "RuntimeError: Setting requires_grad=True on inference tensor outside InferenceMode"
    )
    assert uses["(weight + features).sum().backward()"] == (
        "allowed; weight.grad = [1.0, 1.0, 1.0]"
    )


def test_the_modes_are_timed_in_enough_rounds_for_a_verdict(result):
    timings = result.timings
    assert list(timings.timings) == list(autograd_modes.MODES)
    assert timings.conditions.threads == 1
    assert all(t.runs >= MIN_RUNS and t.median > 0 for t in timings.timings.values())
    assert result.verdicts == [timings.verdict(a, b) for a, b in autograd_modes.COMPARED]


def test_the_printout_shows_conditions_and_each_verdict(capsys):
    result = autograd_modes.main(device="cpu")
    out = capsys.readouterr().out
    assert result.timings.conditions.summary() in out
    for verdict in result.verdicts:
        assert verdict.sentence() in out
    for line in ("@torch.no_grad(): y.requires_grad = False", "requires_grad=True).requires_grad"):
        assert line in out
    for line in (
        "inference_mode: normal tensor changed in place, version bumped = True",
        "inference_mode: view of a normal tensor, is_inference() = False",
    ):
        assert line in out.splitlines()


def test_the_plot_shows_each_modes_median_and_spread(result):
    figure = autograd_modes.plot_modes(result.timings)
    axes = figure.axes[0]
    assert [tick.get_text() for tick in axes.get_xticklabels()] == list(autograd_modes.MODES)
    medians = [line.get_ydata()[0] for line in axes.lines if line.get_marker() == "o"]
    assert medians == pytest.approx([t.median * 1e6 for t in result.timings.timings.values()])
