"""examples/kv_cache.py: the same tokens and logits both ways, the cost of each new token."""

import kv_cache
import pytest

from flowdocs.measure import MIN_RUNS


@pytest.fixture(scope="module")
def result():
    return kv_cache.main(device="cpu")


def test_decoding_with_and_without_the_cache_chooses_identical_tokens(result):
    assert len(result.tokens_with_cache) == 16
    assert result.tokens_with_cache == result.tokens_without_cache
    assert result.identical


def test_the_logits_agree_within_tolerance_but_need_not_be_bit_for_bit(result):
    assert 0 <= result.logit_difference <= kv_cache.TOLERANCE


def test_each_position_is_timed_both_ways_in_enough_rounds(result):
    assert len(result.with_cache) == len(result.without_cache) == len(result.positions) == 4
    assert all(t.runs >= MIN_RUNS for t in result.with_cache + result.without_cache)
    assert result.verdict_at_largest == result.steps[-1].verdict("with_cache", "without_cache")


def test_is_causal_is_wrong_for_a_cached_step(result):
    assert result.is_causal_error > 0.01


def test_a_cache_that_changed_the_result_fails_the_lesson(monkeypatch):
    def wrong(model, prompt, steps):
        tokens, logits = kv_cache.decode_without_cache(model, prompt, steps)
        return tokens, logits + 1.0

    monkeypatch.setattr(kv_cache, "decode_with_cache", wrong)
    monkeypatch.setattr(kv_cache, "time_interleaved", lambda *args: pytest.fail("timed"))
    with pytest.raises(RuntimeError, match="decoding gave other results"):
        kv_cache.main(device="cpu")
