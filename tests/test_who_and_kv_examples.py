"""examples/who_does_the_work.py: its claims, from its results."""

import pytest
import who_does_the_work

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
