"""KV cache: decode the same tokens with and without a cache, and time each new token.

A tiny decoder with seeded random weights (nothing is downloaded) generates tokens greedily,
once recomputing the whole sequence at every step and once keeping each layer's keys and
values in a cache. The tokens must be identical. Then one decoding step is timed at growing
positions: without the cache a step at position t redoes all t positions (O(t^2 d) attention,
O(t d^2) projections); with it, only the new token is computed (O(t d) and O(d^2)).

Run it: ``python examples/kv_cache.py [--device auto|cpu|cuda|mps] [--full]``
"""

# %% Imports
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from flowdocs import cli
from flowdocs.device import DeviceInfo, describe, pick_device
from flowdocs.measure import Timing, compare, error_bars, time_call


# %% What the lesson returns
@dataclass
class CacheResult:
    device: DeviceInfo
    tokens_with_cache: list[int]
    tokens_without_cache: list[int]
    positions: list[int]
    with_cache: list[Timing]
    without_cache: list[Timing]
    verdict_at_largest: str
    is_causal_error: float

    @property
    def identical(self) -> bool:
        return self.tokens_with_cache == self.tokens_without_cache


# %% A decoder block that can reuse the keys and values of earlier tokens
class Block(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.mlp = nn.Sequential(
            nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width)
        )

    def forward(self, x, cache=None):
        batch, new, width = x.shape
        q, k, v = self.qkv(self.norm1(x)).split(width, dim=-1)
        q, k, v = (t.view(batch, new, self.heads, -1).transpose(1, 2) for t in (q, k, v))
        if cache is not None:  # keys and values of the earlier tokens: reuse, do not recompute
            k, v = torch.cat([cache[0], k], dim=2), torch.cat([cache[1], v], dim=2)
        # Causal mask for a whole sequence. A cached step has one query, the newest token,
        # which may see every key: it needs no mask (is_causal=True would be wrong here).
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=cache is None)
        x = x + self.out(attended.transpose(1, 2).reshape(batch, new, width))
        return x + self.mlp(self.norm2(x)), (k, v)


class TinyDecoder(nn.Module):
    def __init__(self, vocab=96, width=64, heads=4, layers=2, max_len=2048):
        super().__init__()
        self.embed, self.position = nn.Embedding(vocab, width), nn.Embedding(max_len, width)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.norm, self.head = nn.LayerNorm(width), nn.Linear(width, vocab)

    def forward(self, tokens, caches=None, start=0):
        """Logits for ``tokens`` (at positions start...), and the updated per-layer caches."""
        positions = torch.arange(start, start + tokens.shape[1], device=tokens.device)
        x = self.embed(tokens) + self.position(positions)
        new_caches = []
        for block, cache in zip(self.blocks, caches or [None] * len(self.blocks), strict=True):
            x, kv = block(x, cache)
            new_caches.append(kv)
        return self.head(self.norm(x)), new_caches


# %% Greedy decoding, two ways
def decode_without_cache(model, prompt, steps: int) -> list[int]:
    tokens = prompt
    for _ in range(steps):
        logits, _ = model(tokens)  # the whole sequence again, every step
        tokens = torch.cat([tokens, logits[:, -1:].argmax(-1)], dim=1)
    return tokens[0, prompt.shape[1] :].tolist()


def decode_with_cache(model, prompt, steps: int) -> list[int]:
    logits, caches = model(prompt)  # prefill: the prompt once, filling the caches
    generated = [logits[:, -1:].argmax(-1)]
    for _ in range(steps - 1):
        start = prompt.shape[1] + len(generated) - 1
        logits, caches = model(generated[-1], caches, start=start)  # only the newest token
        generated.append(logits[:, -1:].argmax(-1))
    return torch.cat(generated, dim=1)[0].tolist()


# %% Cost of one new token at position t, with and without the cache
def time_one_step(model, t: int, device, min_run_time: float) -> tuple[Timing, Timing]:
    sequence = torch.randint(0, 96, (1, t + 1), device=device)
    _, caches = model(sequence[:, :t])
    cached = time_call(lambda: model(sequence[:, t:], caches, start=t), "with cache", min_run_time)
    full = time_call(lambda: model(sequence), "without cache", min_run_time)
    return cached, full


def is_causal_error(device) -> float:
    """How wrong ``is_causal=True`` is for one query against a longer cache (0 would be right)."""
    q = torch.randn(1, 1, 1, 16, device=device)
    k, v = torch.randn(1, 1, 8, 16, device=device), torch.randn(1, 1, 8, 16, device=device)
    right = F.scaled_dot_product_attention(q, k, v)  # the newest token sees all 8 keys
    wrong = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # sees key 0 only
    return (right - wrong).abs().max().item()


def plot_per_token(result: "CacheResult"):
    """Median time of one new token against its position, with IQR error bars."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3.4))
    for timings, colour in ((result.without_cache, "#9aa5b1"), (result.with_cache, "#f58518")):
        axes.errorbar(
            result.positions,
            [t.median * 1e3 for t in timings],
            yerr=error_bars(timings),
            marker="o",
            capsize=4,
            color=colour,
            label=timings[0].label,
        )
    axes.set_xlabel("position t of the new token")
    axes.set_ylabel("ms per new token")
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    return figure


# %% The lesson
def main(device: str = "auto", quick: bool = True) -> CacheResult:
    torch.manual_seed(0)
    dev = pick_device(device)
    model = TinyDecoder().to(dev).eval()
    prompt = torch.randint(0, 96, (1, 8), device=dev)
    steps = 24 if quick else 64
    positions = [32, 64, 128, 256] if quick else [64, 128, 256, 512, 1024, 2000]
    min_run_time = 0.05 if quick else 0.5
    with torch.inference_mode():
        with_cache = decode_with_cache(model, prompt, steps)
        without_cache = decode_without_cache(model, prompt, steps)
        timings = [time_one_step(model, t, dev, min_run_time) for t in positions]
    cached, full = [c for c, _ in timings], [f for _, f in timings]
    result = CacheResult(
        device=describe(dev),
        tokens_with_cache=with_cache,
        tokens_without_cache=without_cache,
        positions=positions,
        with_cache=cached,
        without_cache=full,
        verdict_at_largest=compare(cached[-1], full[-1]),
        is_causal_error=is_causal_error(dev),
    )
    print(result.device.summary())
    print(f"tokens with cache:    {with_cache}")
    print(f"tokens without cache: {without_cache}")
    print(f"identical = {result.identical}")
    print(f"{'position':>8} {'with cache':>14} {'without cache':>16}   (median ms per new token)")
    for t, c, f in zip(positions, cached, full, strict=True):
        print(f"{t:>8} {c.median * 1e3:>14.3f} {f.median * 1e3:>16.3f}")
    print(f"at position {positions[-1]}: {result.verdict_at_largest}")
    print(f"is_causal=True on a cached step changes the output by {result.is_causal_error:.3f}")
    if not result.identical:  # the lesson's claim: a cache changes the cost, never the tokens
        raise RuntimeError("decoding with and without the KV cache produced different tokens")
    return result


# %% Command line
if __name__ == "__main__":
    cli.run(main, __doc__)
