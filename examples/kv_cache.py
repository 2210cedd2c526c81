"""KV cache: decode the same tokens with and without a cache, and time each new token.

A tiny decoder with seeded random weights (nothing is downloaded) generates tokens
greedily, once recomputing the whole sequence at every step and once keeping each
layer's keys and values in a cache. The chosen tokens must be identical and the logits
equal within floating-point tolerance. Then one decoding step is timed at growing
positions: without the cache a step at position t redoes all t positions (O(t^2 d)
attention, O(t d^2) projections); with it, only the new token is computed (O(t d) and
O(d^2)).

Needs torch and the flowdocs helpers (a lesson downloaded from the site carries them).
Run it: python examples/kv_cache.py [--device auto|cpu|cuda|mps] [--full]
"""

# %% Imports: the lesson helpers first, so that --help answers before torch loads
HELPERS = (
    "in the project's folder, pip install -e . (or download the lesson from its page "
    "on the site: that copy carries them)"
)
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
from flowdocs.measure import (
    PLOT_COLOURS,
    PLOT_STYLE,
    InterleavedTimings,
    Timing,
    Verdict,
    error_bars,
    time_interleaved,
)

# Logits of the two ways may differ by rounding (sums taken in another order), no more.
TOLERANCE = 1e-4  # relative and absolute, as in torch.allclose


# %% What the lesson returns
@dataclass
class CacheResult:
    device: DeviceInfo
    tokens_with_cache: list[int]
    tokens_without_cache: list[int]
    logit_difference: float  # the largest |difference| of any logit, over all steps
    positions: list[int]
    steps: list[InterleavedTimings]  # one decoding step at each position, both ways
    verdict_at_largest: Verdict  # with_cache against without_cache
    is_causal_error: float

    @property
    def identical(self) -> bool:
        return self.tokens_with_cache == self.tokens_without_cache

    @property
    def with_cache(self) -> list[Timing]:
        return [step["with_cache"] for step in self.steps]

    @property
    def without_cache(self) -> list[Timing]:
        return [step["without_cache"] for step in self.steps]


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
        q, k, v = (
            t.view(batch, new, self.heads, -1).transpose(1, 2) for t in (q, k, v)
        )
        if cache is not None:  # earlier tokens' keys and values: reuse, not recompute
            k, v = torch.cat([cache[0], k], dim=2), torch.cat([cache[1], v], dim=2)
        # Causal mask for a whole sequence. A cached step has one query, the newest
        # token, which may see every key: it needs no mask (is_causal=True is wrong).
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=cache is None)
        x = x + self.out(attended.transpose(1, 2).reshape(batch, new, width))
        return x + self.mlp(self.norm2(x)), (k, v)


class TinyDecoder(nn.Module):
    def __init__(self, vocab=96, width=64, heads=4, layers=2, max_len=2048):
        super().__init__()
        self.embed = nn.Embedding(vocab, width)
        self.position = nn.Embedding(max_len, width)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.norm, self.head = nn.LayerNorm(width), nn.Linear(width, vocab)

    def forward(self, tokens, caches=None, start=0):
        """Logits for ``tokens`` (at positions start...) and the per-layer caches."""
        positions = torch.arange(start, start + tokens.shape[1], device=tokens.device)
        x = self.embed(tokens) + self.position(positions)
        new_caches = []
        for block, cache in zip(
            self.blocks, caches or [None] * len(self.blocks), strict=True
        ):
            x, kv = block(x, cache)
            new_caches.append(kv)
        return self.head(self.norm(x)), new_caches


# %% Greedy decoding, two ways: the chosen tokens, and the logits they were chosen from
def decode_without_cache(model, prompt, steps: int):
    tokens, logits_seen = prompt, []
    for _ in range(steps):
        logits, _ = model(tokens)  # the whole sequence again, every step
        logits_seen.append(logits[:, -1])
        tokens = torch.cat([tokens, logits[:, -1:].argmax(-1)], dim=1)
    return tokens[0, prompt.shape[1] :].tolist(), torch.cat(logits_seen)


def decode_with_cache(model, prompt, steps: int):
    logits, caches = model(prompt)  # prefill: the prompt once, filling the caches
    logits_seen, generated = [logits[:, -1]], [logits[:, -1:].argmax(-1)]
    for _ in range(steps - 1):
        start = prompt.shape[1] + len(generated) - 1
        logits, caches = model(generated[-1], caches, start=start)  # the newest only
        logits_seen.append(logits[:, -1])
        generated.append(logits[:, -1:].argmax(-1))
    return torch.cat(generated, dim=1)[0].tolist(), torch.cat(logits_seen)


# %% Cost of one new token at position t, with and without the cache
def step_variants(model, t: int, device) -> dict[str, object]:
    """One decoding step at position ``t``, both ways, ready to be timed."""
    sequence = torch.randint(0, 96, (1, t + 1), device=device)
    with torch.inference_mode():
        _, caches = model(sequence[:, :t])
    token = sequence[:, t:]

    @torch.inference_mode()
    def with_cache():
        return model(token, caches, start=t)  # the new token only

    @torch.inference_mode()
    def without_cache():
        return model(sequence)  # all t + 1 tokens again

    return {"with_cache": with_cache, "without_cache": without_cache}


def is_causal_error(device) -> float:
    """How wrong ``is_causal=True`` is for one query against a longer cache."""
    q = torch.randn(1, 1, 1, 16, device=device)
    k = torch.randn(1, 1, 8, 16, device=device)
    v = torch.randn(1, 1, 8, 16, device=device)
    right = F.scaled_dot_product_attention(q, k, v)  # the newest token sees all 8 keys
    wrong = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # sees key 0 only
    return (right - wrong).abs().max().item()


def plot_per_token(result: CacheResult):
    """Median time of one new token against its position, with IQR error bars.

    The figure is closed in pyplot: a notebook shows it only where it is displayed.
    """
    import matplotlib.pyplot as plt

    lines = {"without_cache": PLOT_COLOURS[0], "with_cache": PLOT_COLOURS[2]}
    with plt.rc_context(PLOT_STYLE):
        figure, axes = plt.subplots(figsize=(6, 3.4))
        for label, colour in lines.items():
            timings = [step[label] for step in result.steps]
            axes.errorbar(
                result.positions,
                [t.median * 1e3 for t in timings],
                yerr=error_bars(timings),
                marker="o" if label == "with_cache" else "s",
                capsize=4,
                color=colour,
                label=label,
            )
        axes.set_xlabel("t")
        axes.set_ylabel("ms")
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
        axes.legend()
        figure.tight_layout()
    plt.close(figure)
    return figure


# %% The lesson
def main(device: str = "auto", quick: bool = True) -> CacheResult:
    torch.manual_seed(0)
    dev = pick_device(device)
    model = TinyDecoder().to(dev).eval()
    prompt = torch.randint(0, 96, (1, 8), device=dev)
    decode_steps = 16 if quick else 64
    positions = [32, 64, 128, 256] if quick else [64, 128, 256, 512, 1024, 2000]
    rounds, block = (10, 0.002) if quick else (30, 0.01)
    info = describe(dev)
    print(info.summary())
    with torch.inference_mode():
        with_cache, cached_logits = decode_with_cache(model, prompt, decode_steps)
        without_cache, full_logits = decode_without_cache(model, prompt, decode_steps)
    difference = (cached_logits - full_logits).abs().max().item()
    close = torch.allclose(cached_logits, full_logits, rtol=TOLERANCE, atol=TOLERANCE)
    print(f"tokens with cache:    {with_cache}")
    print(f"tokens without cache: {without_cache}")
    print(f"identical = {with_cache == without_cache}")
    exact = "bit for bit equal" if difference == 0 else "not bit for bit"
    print(f"logits: largest difference {difference:.1e}, {exact}")
    print(f"logits within tolerance {TOLERANCE:g} = {close}")
    # The lesson's claim: a cache changes the cost, not the result.
    if with_cache != without_cache or not close:
        raise RuntimeError("with and without the KV cache, decoding gave other results")

    steps = [
        time_interleaved(step_variants(model, t, dev), rounds, block) for t in positions
    ]
    result = CacheResult(
        device=info,
        tokens_with_cache=with_cache,
        tokens_without_cache=without_cache,
        logit_difference=difference,
        positions=positions,
        steps=steps,
        verdict_at_largest=steps[-1].verdict("with_cache", "without_cache"),
        is_causal_error=is_causal_error(dev),
    )
    print(steps[-1].conditions.summary())
    print("ms per new token, median (IQR):")
    print(f"{'position':>8}  {'with_cache':<18}without_cache")
    for t, step in zip(positions, steps, strict=True):
        cells = [
            f"{timing.median * 1e3:.3f} ({timing.iqr * 1e3:.3f})"
            for timing in (step["with_cache"], step["without_cache"])
        ]
        print(f"{t:>8}  {cells[0]:<18}{cells[1]}")
    print(f"at t = {positions[-1]}: {result.verdict_at_largest.sentence()}")
    print(f"is_causal=True on a cached step changes it by {result.is_causal_error:.3f}")
    return result


# %% The values the page's prose quotes, by name: the page and --compare both use them
def page_values(result: CacheResult) -> dict[str, object]:
    conditions = max(
        (s.conditions for s in result.steps), key=lambda c: c.load_average or 0
    )
    return {
        "steps": len(result.tokens_with_cache),
        "logits": "exact" if result.logit_difference == 0 else "close",
        "logit_difference": result.logit_difference,
        "tolerance": TOLERANCE,
        "per_token": [
            {"position": t, "with_ms": step["with_cache"].median * 1e3,
             "with_iqr_ms": step["with_cache"].iqr * 1e3,
             "without_ms": step["without_cache"].median * 1e3,
             "without_iqr_ms": step["without_cache"].iqr * 1e3}
            for t, step in zip(result.positions, result.steps, strict=True)
        ],
        "largest": result.positions[-1],
        "verdict": result.verdict_at_largest.code,
        "ratio": result.verdict_at_largest.ratio,
        "rounds": conditions.rounds,
        "threads": conditions.threads,
        "machine": conditions.machine,
        "load": conditions.load_average or 0.0,
        "cores": conditions.cores,
        "causal_error": result.is_causal_error,
    }  # fmt: skip


# %% Command line
if __name__ == "__main__":
    cli.run(main, OPTIONS, page_values)
