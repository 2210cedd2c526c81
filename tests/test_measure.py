"""flowdocs.measure: timings with their spread, bytes saved for backward, weight diffs."""

import pytest
import torch
from torch import nn

from flowdocs.measure import (
    Timing,
    bytes_saved_for_backward,
    changed_parameters,
    compare,
    error_bars,
    snapshot,
    time_call,
)


def timing(label, q1, median, q3):
    return Timing(label, median, q1, q3, runs=10, calls_per_run=1)


def test_time_call_reports_a_median_inside_its_spread():
    x = torch.randn(64, 64)
    t = time_call(lambda: x @ x, "matmul", min_run_time=0.05)
    assert t.label == "matmul"
    assert 0 < t.q1 <= t.median <= t.q3
    assert t.iqr == pytest.approx(t.q3 - t.q1)
    assert t.runs >= 1 and t.calls_per_run >= 1


def test_compare_calls_one_faster_only_when_the_spreads_are_apart():
    fast, slow = timing("a", 1.0, 1.1, 1.2), timing("b", 2.0, 2.1, 2.2)
    assert compare(fast, slow) == "a is faster than b"
    assert compare(slow, fast) == "a is faster than b"
    overlapping = timing("c", 1.15, 1.3, 2.5)
    assert compare(fast, overlapping) == "a vs c: no measurable difference on this machine"


def test_error_bars_reach_from_the_median_to_each_quartile():
    bars = error_bars([timing("a", 1.0, 1.5, 3.0), timing("b", 2.0, 2.0, 2.5)], scale=10)
    assert bars == [pytest.approx([5.0, 0.0]), pytest.approx([15.0, 5.0])]


def test_bytes_saved_for_backward_only_while_autograd_records():
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 1))
    x = torch.randn(8, 16)
    assert bytes_saved_for_backward(lambda: model(x)) > 0
    with torch.no_grad():
        assert bytes_saved_for_backward(lambda: model(x)) == 0
    with torch.inference_mode():
        assert bytes_saved_for_backward(lambda: model(x)) == 0


def test_changed_parameters_names_exactly_what_moved():
    model = nn.Linear(3, 1)
    before = snapshot(model)
    assert changed_parameters(before, model) == []
    with torch.no_grad():
        model.bias.add_(1.0)
    assert changed_parameters(before, model) == ["bias"]
