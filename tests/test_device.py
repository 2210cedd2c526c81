"""flowdocs.device: the device choice, and what is reported for ROCm, CUDA and CPU.

No test machine has an AMD or NVIDIA GPU, so the GPU branches run against a faked
``torch.version`` and faked device properties, shaped like the real ones.
"""

from types import SimpleNamespace

import pytest
import torch

from flowdocs import device as fd


@pytest.fixture
def fake_gpu(monkeypatch):
    """Pretend one GPU is visible; returns a function that picks ROCm or CUDA."""

    def install(hip: str | None, cuda: str | None, **props):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.version, "hip", hip)
        monkeypatch.setattr(torch.version, "cuda", cuda)
        monkeypatch.setattr(torch.cuda, "get_device_properties", lambda _: SimpleNamespace(**props))

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
