"""The code that runs only on a ROCm, CUDA or MPS torch, run on each fake surface of fake_torch.py.

Each surface is a torch this project cannot install here: a current ROCm wheel, an older one
without ``torch.backends.miopen``, one older still without a BLAS preference, a CUDA wheel, and
Apple's MPS. The lesson must run on each and say what that torch lacks, never stop on it.
tests/backend_coverage.py measures that these tests leave no branch of that code unrun.
"""

import platform
from contextlib import contextmanager
from dataclasses import asdict
from types import SimpleNamespace

import pytest
import torch
import who_does_the_work
from fake_torch import CU128, GPU_SURFACES, MISSING, ROCM_6_4, SURFACES
from test_profile import expected_library, kernel_names
from torch.autograd.profiler_util import FunctionEvent

from flowdocs import device as fd
from flowdocs import profile
from flowdocs.build.record import default_id
from flowdocs.sphinxext.outputs import device_label

EXPECTED = {
    # surface: picked device, backend, arch, runtime, recording id
    "rocm": ("cuda", "rocm", "gfx942", "HIP 7.2.53211", "rocm-gfx942"),
    "rocm-older": ("cuda", "rocm", "gfx1151", "HIP 6.4.43482", "rocm-gfx1151"),
    "rocm-no-blas-choice": ("cuda", "rocm", "gfx942", "HIP 6.0.32830", "rocm-gfx942"),
    "cuda": ("cuda", "cuda", "sm_90", "CUDA 13.0", "cuda-sm90"),
    "mps": ("mps", "mps", None, None, None),
}


@pytest.fixture(autouse=True)
def no_device_override(monkeypatch):
    monkeypatch.delenv(fd.DEVICE_ENV, raising=False)


@pytest.mark.parametrize("name", SURFACES)
def test_each_surface_is_picked_described_and_named(fake_torch, name):
    surface = fake_torch(name)
    picked, backend, arch, runtime, recording = EXPECTED[name]
    device = fd.pick_device("auto")
    assert device.type == picked
    assert fd.pick_device(picked) == device  # asked for by name, it is there as well
    info = fd.describe(device)
    assert (info.backend, info.arch, info.runtime, info.torch) == (
        backend, arch, runtime, surface.version
    )  # fmt: skip
    assert info.name == surface.props.get("name", "macOS")  # no macOS version off a Mac
    assert default_id(asdict(info)) == (recording or f"mps-{platform.machine().lower()}")
    assert device_label(asdict(info)).startswith(info.name if surface.gpu else "MPS macOS")


def test_a_gpu_surface_has_no_mps_and_mps_has_no_gpu(fake_torch):
    fake_torch("rocm")
    with pytest.raises(fd.DeviceUnavailable, match=r"^--device mps: Apple's MPS is not available"):
        fd.pick_device("mps")
    fake_torch("mps")
    with pytest.raises(fd.DeviceUnavailable, match=r"^--device cuda: no ROCm or CUDA GPU"):
        fd.pick_device("cuda")


@pytest.mark.parametrize(
    ("name", "says"),
    [
        (
            "rocm",
            [
                "gfx942 in torch.cuda.get_arch_list(): True",
                "= Cublaslt: hipBLASLt runs the GEMMs",
                "gfx900 in torch.cuda.get_arch_list(): True; on such an older AMD GPU",
            ],
        ),
        (
            "rocm-older",
            [
                "gfx1151 in torch.cuda.get_arch_list(): False",
                "= Cublas: rocBLAS runs the GEMMs",
                "gfx900 in torch.cuda.get_arch_list(): True",
            ],
        ),
        (
            "rocm-no-blas-choice",
            [
                "gfx942 in torch.cuda.get_arch_list(): True",
                "torch.backends.cuda.preferred_blas_library() is not in this torch",
                "gfx900 in torch.cuda.get_arch_list(): True",
            ],
        ),
        ("cuda", ["sm_90 in torch.cuda.get_arch_list(): True", "= Cublas: cuBLAS runs the GEMMs"]),
    ],
)
def test_each_gpu_surface_gets_its_architecture_check(fake_torch, name, says):
    fake_torch(name)
    lines = fd.arch_support(fd.describe(fd.pick_device("auto"))).lines()
    assert len(lines) == len(says)
    for line, said in zip(lines, says, strict=True):
        assert said in line


def test_only_cuda_runs_code_of_another_minor_version():
    """NVIDIA GPUs run code built for an older minor version of their own major; AMD's gfx
    targets promise no such thing, so a ROCm check never looks for one."""
    assert fd.ArchSupport("cuda", "sm_89", tuple(CU128), "Cublas").same_major() == [
        "sm_80",
        "sm_86",
    ]
    assert fd.ArchSupport("rocm", "gfx1151", tuple(ROCM_6_4), "Cublas").same_major() == []


def test_mps_has_no_gpu_architecture_to_check(fake_torch):
    fake_torch("mps")
    assert fd.arch_support(fd.describe(fd.pick_device("auto"))) is None


@pytest.mark.parametrize(
    ("immediate", "says"),
    [
        (True, "torch.backends.miopen.immediate = True: MIOpen's immediate mode picks"),
        (False, "torch.backends.miopen.immediate = False: MIOpen's find step picks"),
        (MISSING, "torch.backends.miopen.immediate: not in this torch (2.13.0+rocm7.2)"),
        (None, "torch.backends.miopen.immediate: not in this torch (2.13.0+rocm7.2)"),
    ],
)
def test_the_convolution_choice_says_what_this_rocm_torch_lacks(fake_torch, immediate, says):
    fake_torch(SURFACES["rocm"].but(immediate=immediate))
    line = who_does_the_work.convolution_choice("rocm")
    benchmark = torch.backends.cudnn.benchmark
    assert line.startswith(f"torch.backends.cudnn.benchmark = {benchmark}, ")
    assert says in line


@pytest.mark.parametrize(
    ("benchmark", "says"),
    [
        (False, "cuDNN's heuristics pick each algorithm, without timing"),
        (True, "cuDNN times its algorithms for each new shape and keeps the fastest"),
    ],
)
def test_the_convolution_choice_on_cuda_follows_cudnn_benchmark(
    fake_torch, monkeypatch, benchmark, says
):
    fake_torch("cuda")
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", benchmark)
    line = who_does_the_work.convolution_choice("cuda")
    assert line == f"torch.backends.cudnn.benchmark = {benchmark}: {says}"


@pytest.mark.parametrize("backend", ["rocm", "cuda", "mps", "cpu"])
def test_only_a_gpu_backend_waits_for_its_device(monkeypatch, backend):
    waited = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda: waited.append("cuda"))
    monkeypatch.setattr(torch.mps, "synchronize", lambda: waited.append("mps"))
    profile.synchronize(backend)
    assert waited == {"rocm": ["cuda"], "cuda": ["cuda"], "mps": ["mps"], "cpu": []}[backend]


@contextmanager
def recorded(events):
    """Stands in for torch's profiler: hands over ``events`` as it would, kernels attached."""
    yield SimpleNamespace(function_events=events)


def gemm_kernel(backend: str) -> str:
    """A real GEMM kernel name of ``backend`` (tests/fixtures/gpu-kernel-names.tsv)."""
    return next(
        row["kernel_name"]
        for row in kernel_names("gpu-kernel-names.tsv")
        if row["backend"] == backend and expected_library(row) == profile.BLAS[backend]
    )


def gpu_steps(steps: int, kernel: str, kernel_us: list[float]) -> list[FunctionEvent]:
    """``steps`` profiled steps, each an aten::addmm under the step's annotation that launched
    one ``kernel`` of the given duration."""
    events = []
    for step, us in zip(range(steps), kernel_us, strict=True):
        start = step * 1000
        mark = FunctionEvent(id=2 * step, name=profile.STEP, thread=1, start_us=start, end_us=999)
        op = FunctionEvent(
            id=2 * step + 1, name="aten::addmm", thread=1, start_us=start + 1, end_us=start + 9
        )
        op.set_cpu_parent(mark)
        op.append_kernel(kernel, 0, us)
        events += [mark, op]
    return events


@pytest.mark.parametrize("name", GPU_SURFACES)
def test_a_gpu_profile_holds_the_median_kernel_time_of_the_steps(fake_torch, monkeypatch, name):
    fake_torch(name)
    backend = fd.backend_of(fd.pick_device("auto"))
    synced = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda: synced.append(backend))
    kernel = gemm_kernel(backend)
    events = gpu_steps(3, kernel, [10.0, 30.0, 20.0])
    monkeypatch.setattr(profile, "profile", lambda **options: recorded(events))
    rows = profile.profile_work(lambda: None, backend, steps=3)
    assert synced == [backend]
    assert rows == [profile.Row(kernel, profile.BLAS[backend], 1, 20.0)]
    assert profile.gemm_library(backend) == profile.BLAS[backend]


def test_an_mps_profile_names_the_ops_issued_to_the_gpu(fake_torch, monkeypatch):
    fake_torch("mps")
    synced = []
    monkeypatch.setattr(torch.mps, "synchronize", lambda: synced.append("mps"))
    rows = profile.profile_work(lambda: torch.ones(4, 4) @ torch.ones(4, 4), "mps")
    assert synced == ["mps"]
    assert rows and {row.library for row in rows} == {profile.MPS_WORK}
    assert profile.gemm_library("mps") is None


@pytest.mark.parametrize("name", ["rocm-older", "mps"])  # the two paths main() takes
def test_the_lesson_runs_to_its_end_on_each_surface(fake_torch, monkeypatch, capsys, name):
    """Tensors cannot go to a device this machine lacks: the lesson's work runs on the CPU
    while torch describes the faked device, so every line the lesson prints there is run."""
    fake_torch(name)
    faked = fd.pick_device("auto")
    monkeypatch.setattr(who_does_the_work, "pick_device", lambda _: torch.device("cpu"))
    monkeypatch.setattr(who_does_the_work, "describe", lambda _: fd.describe(faked))
    result = who_does_the_work.main()
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == result.device.summary()
    if result.arch is None:
        assert printed[1] == "no GPU architecture to check: this run used the mps"
        assert printed[2].startswith("profiled: the CPU time of each ATen op issued to the Apple")
    else:
        assert printed[1 : len(result.arch.lines()) + 1] == result.arch.lines()
        assert printed[len(result.arch.lines()) + 1].startswith("torch.backends.cudnn.benchmark")
        assert "profiled: the GPU time of each kernel" in printed
