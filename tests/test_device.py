"""flowdocs.device: the device choice, and what is reported for ROCm, CUDA and CPU.

No test machine has an AMD or NVIDIA GPU, so the GPU branches run against a faked
``torch.version`` and faked device properties, shaped like the real ones.
"""

import pytest
import torch
from fake_torch import CU128, CU130, ROCM_6_4, ROCM_7_2, Surface

from flowdocs import device as fd


@pytest.fixture
def fake_gpu(fake_torch):
    """Pretend one GPU is visible; returns a function that picks ROCm or CUDA (fake_torch.py)."""

    def install(hip: str | None, cuda: str | None, arch_list=(), blas="Cublas", **props):
        surface = Surface(torch.__version__, hip, cuda, tuple(arch_list), blas, props=props)
        fake_torch(surface)

    return install


def test_auto_is_cpu_without_a_gpu(monkeypatch):
    monkeypatch.delenv(fd.DEVICE_ENV, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(fd, "_mps_available", lambda: False)
    assert fd.pick_device("auto") == torch.device("cpu")


def test_auto_prefers_the_gpu_then_mps(monkeypatch):
    monkeypatch.delenv(fd.DEVICE_ENV, raising=False)
    monkeypatch.setattr(fd, "_mps_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert fd.pick_device("auto") == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert fd.pick_device("auto") == torch.device("mps")


def test_the_environment_variable_overrides_auto_only(monkeypatch):
    monkeypatch.setenv(fd.DEVICE_ENV, "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert fd.pick_device("auto") == torch.device("cpu")
    assert fd.pick_device("cuda") == torch.device("cuda")


def test_a_missing_gpu_is_a_one_line_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(fd.DeviceUnavailable) as raised:
        fd.pick_device("cuda")
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("--device cuda: no ROCm or CUDA GPU")


def test_an_unknown_device_from_the_environment_names_its_source(monkeypatch):
    monkeypatch.setenv(fd.DEVICE_ENV, "tpu")
    with pytest.raises(fd.DeviceUnavailable, match=r"^\$FLOWDOCS_DEVICE tpu: unknown device"):
        fd.pick_device("auto")


def test_rocm_reports_rocm_the_gfx_arch_and_says_cuda_is_the_device_name(fake_gpu):
    fake_gpu(
        hip="6.4.43482", cuda=None, name="AMD Instinct MI300X", gcnArchName="gfx942:sramecc+:xnack-"
    )
    info = fd.describe(torch.device("cuda"))
    assert (info.device, info.backend, info.arch) == ("cuda:0", "rocm", "gfx942")
    assert info.runtime == "HIP 6.4.43482"
    line = info.summary()
    assert line.startswith('device = "cuda:0" (ROCm GPU AMD Instinct MI300X, gfx942, HIP 6.4.43482')
    assert 'calls AMD GPUs "cuda"' in line


def test_cuda_reports_cuda_and_the_sm_arch(fake_gpu):
    fake_gpu(hip=None, cuda="12.8", name="NVIDIA H100 80GB HBM3", major=9, minor=0)
    info = fd.describe(torch.device("cuda", 0))
    assert (info.backend, info.arch, info.runtime) == ("cuda", "sm_90", "CUDA 12.8")
    assert "ROCm" not in info.summary()


def test_cpu_is_described_for_real():
    info = fd.describe(torch.device("cpu"))
    assert (info.device, info.backend, info.torch) == ("cpu", "cpu", torch.__version__)
    assert info.summary().startswith('device = "cpu" (CPU ')


def test_an_mi300x_is_compiled_for_and_prefers_hipblaslt(fake_gpu):
    fake_gpu(
        hip="7.2.53211", cuda=None, arch_list=ROCM_7_2, blas="Cublaslt",
        name="AMD Instinct MI300X", gcnArchName="gfx942:sramecc+:xnack-",
    )  # fmt: skip
    support = fd.arch_support(fd.describe(torch.device("cuda")))
    assert (support.arch, support.compiled_for) == ("gfx942", True)
    first, blas, old = support.lines()
    assert first.startswith("gfx942 in torch.cuda.get_arch_list(): True (this torch has GPU code")
    assert blas.endswith("= Cublaslt: hipBLASLt runs the GEMMs")
    assert old.startswith("gfx900 in torch.cuda.get_arch_list(): True; on such an older AMD GPU")
    assert "rocBLAS" in old and "MIOpen" in old


def test_a_gpu_missing_from_the_wheel_is_reported(fake_gpu):
    fake_gpu(
        hip="6.4.43482", cuda=None, arch_list=ROCM_6_4, blas="Cublas",
        name="AMD Radeon 8060S", gcnArchName="gfx1151",
    )  # fmt: skip
    support = fd.arch_support(fd.describe(torch.device("cuda")))
    assert not support.compiled_for
    assert support.lines()[1].endswith("= Cublas: rocBLAS runs the GEMMs")


@pytest.mark.parametrize(
    ("major", "minor", "arch_list", "verdict"),
    [
        (9, 0, CU130, None),  # H100: built for exactly this
        (8, 9, CU128, "no exact match: sm_86 code runs on sm_89 (same major version)"),  # RTX 4060
        (6, 0, CU128, "no code for sm_60 or its major version: kernels cannot launch there"),
    ],
)
def test_cuda_gpus_run_code_of_their_major_version(fake_gpu, major, minor, arch_list, verdict):
    fake_gpu(
        hip=None, cuda="13.0", arch_list=arch_list, name="NVIDIA GPU", major=major, minor=minor
    )
    support = fd.arch_support(fd.describe(torch.device("cuda")))
    lines = support.lines()
    assert lines[1].endswith("= Cublas: cuBLAS runs the GEMMs")
    assert (lines[2] if len(lines) > 2 else None) == verdict


def test_a_torch_without_preferred_blas_library_is_said_so(fake_gpu):
    fake_gpu(
        hip=None, cuda="12.8", arch_list=CU128, blas=None, name="NVIDIA A100", major=8, minor=0
    )
    support = fd.arch_support(fd.describe(torch.device("cuda")))
    assert support.lines()[1] == "torch.backends.cuda.preferred_blas_library() is not in this torch"


def test_there_is_no_gpu_arch_to_check_on_the_cpu():
    assert fd.arch_support(fd.describe(torch.device("cpu"))) is None
