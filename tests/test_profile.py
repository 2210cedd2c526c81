"""flowdocs.profile: kernel and op names mapped to the library that ran them.

ROCm and CUDA kernel names are fixtures (real names, as torch.profiler reports them on those
GPUs); the CPU path runs for real.
"""

import pytest
import torch
from torch import nn

from flowdocs.profile import PYTORCH, cpu_blas, library_of, profile_work, share_by_library

ROCM_KERNELS = {
    "Cijk_Ailk_Bljk_SB_MT64x64x16_MI32x32x2x1_SN_1LDSB0_APM1_ABV0": "rocBLAS / hipBLASLt (GEMM)",
    "Cijk_Alik_Bljk_HHS_BH_MT128x128x64_MI16x16x1_SN_GRVW8": "rocBLAS / hipBLASLt (GEMM)",
    "naive_conv_nonpacked_fwd_nchw_float_double_float": "MIOpen",
    "igemm_fwd_gtcx_nchw_fp32_bx0_ex1_bt128x128x16": "MIOpen",
    "MIOpenBatchNormFwdTrainSpatial": "MIOpen",
    "void at::native::vectorized_elementwise_kernel<4, at::native::(anonymous namespace)"
    "::launch_clamp_scalar(at::TensorIteratorBase&)>": PYTORCH,
    "Memcpy HtoD (Host -> Device)": "HIP runtime (copies)",
}
CUDA_KERNELS = {
    "ampere_sgemm_64x32_sliced1x4_tn": "cuBLAS / cuBLASLt (GEMM)",
    "sm90_xmma_gemm_f32f32_tf32f32_f32_tn_n_tilesize128x128x32": "cuBLAS / cuBLASLt (GEMM)",
    "nvjet_tst_128x64_64x8_2x1_v_bz_TNN": "cuBLAS / cuBLASLt (GEMM)",
    "void cudnn::bn_fw_tr_1C11_kernel_NCHW<float, float, int, 512, true, 1, true>": "cuDNN",
    "sm80_xmma_fprop_implicit_gemm_indexed_tf32f32_tf32f32_f32_nhwckrsc_nchw": "cuDNN",
    "void at::native::elementwise_kernel<128, 2, at::native::gpu_kernel_impl>": PYTORCH,
    "void at::native::(anonymous namespace)::multi_tensor_apply_kernel": PYTORCH,
    "Memcpy DtoH (Device -> Pageable)": "CUDA runtime (copies)",
}


@pytest.mark.parametrize(("name", "library"), ROCM_KERNELS.items())
def test_rocm_kernels_map_to_their_library(name, library):
    assert library_of(name, "rocm") == library


@pytest.mark.parametrize(("name", "library"), CUDA_KERNELS.items())
def test_cuda_kernels_map_to_their_library(name, library):
    assert library_of(name, "cuda") == library


def test_cpu_ops_map_to_the_blas_torch_was_built_with():
    assert library_of("aten::addmm", "cpu") == f"{cpu_blas()} (GEMM)"
    assert library_of("aten::relu", "cpu") == PYTORCH


def test_the_cpu_profile_finds_the_gemm_and_the_activation_for_real():
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 4))
    x = torch.randn(16, 32)
    rows = profile_work(lambda: model(x), "cpu")
    libraries = {row.name: row.library for row in rows}
    assert libraries["aten::addmm"].endswith("(GEMM)")
    assert libraries["aten::relu"] == PYTORCH or libraries.get("aten::clamp_min") == PYTORCH
    shares = share_by_library(rows)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert list(shares.values()) == sorted(shares.values(), reverse=True)
