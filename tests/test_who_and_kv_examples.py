"""examples/kv_cache.py: its claims, from its results (who_does_the_work: its own test file)."""

import kv_cache
import pytest

from flowdocs.measure import compare


@pytest.fixture(scope="module")
def cache_result():
    return kv_cache.main(device="cpu")


def test_decoding_with_and_without_the_cache_gives_identical_tokens(cache_result):
    assert len(cache_result.tokens_with_cache) == 24
    assert cache_result.tokens_with_cache == cache_result.tokens_without_cache
    assert cache_result.identical


def test_each_position_is_timed_both_ways_and_the_verdict_follows_the_spread(cache_result):
    assert len(cache_result.with_cache) == len(cache_result.without_cache) == 4
    assert cache_result.verdict_at_largest == compare(
        cache_result.with_cache[-1], cache_result.without_cache[-1]
    )


def test_is_causal_is_wrong_for_a_cached_step(cache_result):
    assert cache_result.is_causal_error > 0.01
