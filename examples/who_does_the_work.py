"""Who does the work: profile a small network and name the library behind every op.

A small convolutional network, a linear layer and an attention block run forward,
then one training step, under ``torch.profiler``. Each op (on the CPU) or kernel (on a
GPU) is mapped to the library that ran it: the BLAS library for matrix products, MIOpen
or cuDNN (or oneDNN on the CPU) for convolution, and PyTorch's own kernels for
activations and elementwise work.

Needs torch and the flowdocs lesson helpers (the HELPERS line below installs them).
Run it: python examples/who_does_the_work.py [--device auto|cpu|cuda|mps] [--full]
"""

# %% Imports: the lesson helpers first, so that --help answers before torch loads
HELPERS = 'pip install "flowdocs @ git+https://github.com/flowdocs/flowdocs"'
try:
    from flowdocs import cli
except ModuleNotFoundError as missing:
    if not (missing.name or "").startswith("flowdocs"):
        raise
    raise SystemExit(f"This lesson needs the flowdocs helpers: {HELPERS}") from None
if __name__ == "__main__":
    OPTIONS = cli.parse(__doc__, full=True)

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from flowdocs.device import DeviceInfo, describe, pick_device
from flowdocs.profile import Row, profile_work, share_by_library


# %% What the lesson returns
@dataclass
class WorkResult:
    device: DeviceInfo
    profiled_backend: str
    rows: list[Row]
    shares: dict[str, float]


# %% The network: convolution, batch norm, activation, a linear layer and self-attention
class SmallNet(nn.Module):
    def __init__(self, channels: int = 16, width: int = 64, heads: int = 4):
        super().__init__()
        # MIOpen / cuDNN / oneDNN
        self.conv = nn.Conv2d(3, channels, kernel_size=3, padding=1)
        self.norm = nn.BatchNorm2d(channels)  # MIOpen / cuDNN on a GPU
        self.project = nn.Linear(channels, width)  # a GEMM: rocBLAS / cuBLAS / CPU BLAS
        self.attention = nn.MultiheadAttention(width, heads, batch_first=True)
        self.head = nn.Linear(width, 10)

    def forward(self, images):
        x = F.relu(self.norm(self.conv(images)))  # ReLU: PyTorch's own kernel
        x = F.max_pool2d(x, 2)
        tokens = self.project(x.flatten(2).transpose(1, 2))  # a token per pixel
        attended, _ = self.attention(tokens, tokens, tokens, need_weights=False)
        return self.head(attended.mean(dim=1))


# %% The lesson
def main(device: str = "auto", quick: bool = True) -> WorkResult:
    """Profile a forward pass and one training step; print who ran what."""
    torch.manual_seed(0)
    dev = pick_device(device)
    info = describe(dev)
    size = 16 if quick else 64
    model = SmallNet().to(dev)
    images = torch.randn(8, 3, size, size, device=dev)
    labels = torch.randint(0, 10, (8,), device=dev)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

    def forward_and_step():
        model.train()
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    forward_and_step()  # warm-up: first calls pick algorithms and allocate memory
    # MPS kernels are not visible to torch.profiler; profile the CPU side there.
    backend = info.backend if info.backend in ("rocm", "cuda") else "cpu"
    rows = profile_work(forward_and_step, backend)
    result = WorkResult(info, backend, rows, share_by_library(rows))

    print(info.summary())
    print(f"profiled: {'GPU kernels' if backend != 'cpu' else 'CPU ops'} ({backend})")
    print(f"{'op / kernel':<40} {'library':<26} {'calls':>5} {'self us':>7}")
    for row in rows[:15]:
        name = row.name[:40]
        print(f"{name:<40} {row.library:<26} {row.calls:>5} {row.self_us:>7.0f}")
    print()
    for library, share in result.shares.items():
        print(f"{library:<26} {share:6.1%} of the profiled time")
    return result


# %% Command line
if __name__ == "__main__":
    cli.run(main, OPTIONS)
