"""flowdocs.measure: interleaved timings, verdicts the data supports, memory kept for backward."""

import pytest
import torch
from torch import nn
from torch.utils import benchmark

from flowdocs import measure
from flowdocs.measure import (
    MIN_RUNS,
    Conditions,
    Timing,
    changed_parameters,
    compare,
    error_bars,
    saved_for_backward,
    snapshot,
    time_interleaved,
)


def timing(label, q1, median, q3, runs=MIN_RUNS):
    return Timing(label, median, q1, q3, runs=runs, calls_per_run=1)


def test_time_interleaved_runs_the_variants_in_turn_with_pinned_threads(monkeypatch):
    order, threads = [], []

    def variant(name):
        def run():
            order.append(name)
            threads.append(torch.get_num_threads())

        return run

    monkeypatch.setattr(measure, "calls_per_block", lambda timer, seconds: 1)
    timed = time_interleaved({"a": variant("a"), "b": variant("b")}, rounds=MIN_RUNS, threads=1)
    # Each timeit runs two warm-up calls and one timed call: keep the timed rounds' order.
    timed_order = order[2::3]
    assert timed_order[:4] == ["a", "b", "b", "a"]  # each round starts with the next variant
    assert timed_order.count("a") == timed_order.count("b") == MIN_RUNS
    assert set(threads) == {1}
    assert timed.conditions.threads == 1 and timed.conditions.rounds == MIN_RUNS
    for label in ("a", "b"):
        t = timed[label]
        assert t.label == label and t.runs == MIN_RUNS and t.calls_per_run == 1
        assert 0 < t.q1 <= t.median <= t.q3


def test_a_timed_run_fills_about_the_block_it_is_given():
    x = torch.randn(64, 64)
    timer = benchmark.Timer(stmt="fn()", globals={"fn": lambda: x @ x})
    calls = measure.calls_per_block(timer, block_seconds=0.002)
    assert calls >= 1
    assert timer.timeit(calls).median * calls >= 0.001  # rough: not one call per block


def test_timing_quartiles_match_torch_benchmarks_median():
    m = benchmark.Measurement(1, [4.0, 1.0, 3.0, 2.0, 5.0], benchmark.utils.common.TaskSpec("", ""))
    t = Timing.of("x", m, calls_per_run=1)
    assert (t.q1, t.median, t.q3) == (2.0, 3.0, 4.0)
    assert t.median == m.median and t.iqr == pytest.approx(m.iqr)


@pytest.mark.parametrize(
    ("a", "b", "busy", "code"),
    [
        ((1.0, 1.1, 1.2), (2.0, 2.1, 2.2), False, "faster"),
        ((2.0, 2.1, 2.2), (1.0, 1.1, 1.2), False, "slower"),
        ((1.0, 1.3, 2.5), (1.15, 1.2, 1.4), False, "inconclusive-overlap"),
        ((1.0, 1.3, 2.5), (1.15, 1.2, 1.4), True, "inconclusive-busy"),
        ((2.0, 2.1, 2.2), (1.0, 1.1, 1.2), True, "slower"),  # apart even on a busy machine
    ],
)
def test_a_verdict_needs_interquartile_ranges_apart(a, b, busy, code):
    verdict = compare(timing("a", *a), timing("b", *b), busy)
    assert verdict.code == code
    assert verdict.ratio == pytest.approx(a[1] / b[1])


def test_too_few_runs_give_no_verdict_however_far_apart():
    verdict = compare(timing("a", 1, 1, 1, runs=MIN_RUNS - 1), timing("b", 9, 9, 9))
    assert (verdict.outcome, verdict.reason) == ("inconclusive", "few-runs")
    assert f"fewer than {MIN_RUNS} runs" in verdict.sentence()


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("faster", "a is faster than b"),
        ("slower", "a is slower than b"),
        ("inconclusive-overlap", "a vs b: inconclusive on this machine (IQRs overlap)"),
        ("inconclusive-busy", "a vs b: inconclusive on this machine (IQRs overlap, busy machine)"),
    ],
)
def test_the_printed_sentence_follows_the_verdict(code, words):
    outcome, _, reason = code.partition("-")
    verdict = measure.Verdict("a", "b", outcome, reason or "apart", 0.5, MIN_RUNS)
    assert words in verdict.sentence()


def test_a_machine_is_busy_when_its_load_exceeds_its_cores():
    quiet, busy = Conditions(1, 10, 1.5, 2), Conditions(1, 10, 2.5, 2)
    assert not quiet.busy and busy.busy
    assert not Conditions(1, 10, None, 2).busy
    assert [c.machine for c in (quiet, busy, Conditions(1, 10, None, 2))] == [
        "quiet",
        "busy",
        "unknown",
    ]
    assert "busy" not in quiet.summary()
    assert busy.summary() == (
        "1 thread, 10 interleaved rounds, load average 2.50 on 2 cores\nmeasured on a busy machine"
    )


def test_the_load_average_of_the_measurement_reaches_the_conditions(monkeypatch):
    monkeypatch.setattr(measure.os, "getloadavg", lambda: (7.0, 0.0, 0.0))
    monkeypatch.setattr(measure.os, "cpu_count", lambda: 4)
    timed = time_interleaved({"a": lambda: None}, rounds=1, block_seconds=1e-5)
    assert (timed.conditions.load_average, timed.conditions.cores) == (7.0, 4)
    assert timed.conditions.busy


def test_error_bars_reach_from_the_median_to_each_quartile():
    bars = error_bars([timing("a", 1.0, 1.5, 3.0), timing("b", 2.0, 2.0, 2.5)], scale=10)
    assert bars == [pytest.approx([5.0, 0.0]), pytest.approx([15.0, 5.0])]


def test_saved_for_backward_splits_activations_from_weights_and_inputs():
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 1))
    x = torch.randn(8, 16)
    saved = saved_for_backward(lambda: model(x), [*model.parameters(), x])
    # Saved: x (for the first weight's gradient), the ReLU's output (for the ReLU and the
    # second layer) and the second weight (for the gradient flowing back into the ReLU).
    assert saved.activations == 8 * 32 * 4
    assert saved.held_anyway == (8 * 16 + 32) * 4
    assert saved.total == saved.activations + saved.held_anyway
    with torch.no_grad():
        assert saved_for_backward(lambda: model(x), [x]).total == 0
    with torch.inference_mode():
        assert saved_for_backward(lambda: model(x), [x]).total == 0


def test_changed_parameters_names_exactly_what_moved():
    model = nn.Linear(3, 1)
    before = snapshot(model)
    assert changed_parameters(before, model) == []
    with torch.no_grad():
        model.bias.add_(1.0)
    assert changed_parameters(before, model) == ["bias"]
