"""The lessons' plots: transparent, and readable on the site's light and dark backgrounds."""

import autograd_modes
import kv_cache
import pytest
from matplotlib.colors import to_rgb, to_rgba

from flowdocs.measure import PLOT_COLOURS, Conditions, InterleavedTimings, Timing

# The page backgrounds: Furo's light and dark --color-background-primary.
BACKGROUNDS = ("#ffffff", "#131416")


def luminance(colour) -> float:
    """WCAG relative luminance."""
    channels = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(colour)]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def contrast(a, b) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def timed(*labels: str) -> InterleavedTimings:
    timings = {label: Timing(label, 2e-3, 1e-3, 3e-3, 10, 1) for label in labels}
    return InterleavedTimings(timings, Conditions(1, 10, 0.5, 2))


def figures():
    yield autograd_modes.plot_modes(timed(*autograd_modes.MODES))
    steps = [timed("with_cache", "without_cache") for _ in range(3)]
    result = kv_cache.CacheResult(None, [], [], 0.0, [1, 2, 3], steps, None, 0.0)
    yield kv_cache.plot_per_token(result)


@pytest.mark.parametrize("colour", PLOT_COLOURS)
@pytest.mark.parametrize("background", BACKGROUNDS)
def test_every_plot_colour_stands_out_on_both_backgrounds(colour, background):
    assert contrast(colour, background) >= 3  # WCAG's minimum for graphics


@pytest.mark.parametrize("figure", list(figures()), ids=["autograd_modes", "kv_cache"])
def test_a_plot_is_transparent_and_drawn_only_in_the_readable_colours(figure):
    assert to_rgba(figure.get_facecolor())[3] == 0
    axes = figure.axes[0]
    assert to_rgba(axes.get_facecolor())[3] == 0
    texts = [axes.yaxis.label, *axes.get_xticklabels(), *axes.get_yticklabels()]
    colours = {to_rgb(text.get_color()) for text in texts}
    colours |= {to_rgb(line.get_color()) for line in axes.lines}
    assert colours <= {to_rgb(c) for c in PLOT_COLOURS}
