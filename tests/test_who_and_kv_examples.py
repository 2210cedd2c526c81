"""examples/who_does_the_work.py and examples/kv_cache.py: their claims, from their results."""

import kv_cache
import pytest
import who_does_the_work

from flowdocs.measure import compare
from flowdocs.profile import PYTORCH


def test_the_profile_names_blas_onednn_and_pytorch_kernels_on_the_cpu():
    result = who_does_the_work.main(device="cpu")
    assert result.profiled_backend == "cpu"
    libraries = {row.library for row in result.rows}
    assert any(library.endswith("(GEMM)") for library in libraries)
    assert PYTORCH in libraries
    relu = [row for row in result.rows if row.name in ("aten::relu", "aten::clamp_min")]
    assert relu and all(row.library == PYTORCH for row in relu)
    assert sum(result.shares.values()) == pytest.approx(1.0)


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
