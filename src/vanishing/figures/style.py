"""Shared look, palette convention and byte-reproducible saving for every figure.

Palette convention (the same in every figure, so a colour means one thing):
- an activation always has the colour ``ACTIVATION_COLORS`` gives it (Okabe & Ito's
  colour-blind-safe set, plus Tol's muted colours for the rest); the tanh(n·x) and
  leaky-ReLU families are lighter or darker shades of tanh's and leaky ReLU's colour,
  ordered by n or slope, so a family reads as one hue;
- an initialisation always has the colour ``INIT_COLORS`` gives it (Tol's bright
  set, colour-blind safe, plus black);
- verdicts have a marker each (``VERDICT_STYLES``), black and grey;
- every other variable (learning rate, dtype, input scaling, optimiser, mapping, phase,
  ...) is drawn in greys, never in a hue: an ordered one on a light-to-dark ramp
  (``ramp``), an unordered one in black and greys told apart by marker and line style
  (``levels``), so no colour can be read as an activation or an init. The default
  colour cycle is greys for the same reason;
- a figure that colours by activation never colours by init in the same panel (a
  second variable gets markers or line styles instead).

Sizes: the PDF report is portrait A4 with a 6.3 in text width; a figure is drawn
``TEXT_WIDTH_IN`` wide (or narrower) so that it is included at its natural size and
its text prints at the size set here. ``save`` refuses a figure wider than
``MAX_WIDTH_IN`` or with any text smaller than ``MIN_FONT_PT``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import matplotlib
import numpy as np

matplotlib.use("Agg")  # no screen on the build machines
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib import rcsetup  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from ..core import vocabulary  # noqa: E402
from ..machinery.labels import label  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

DPI = 150
# The portrait PDF's text is 16 cm (6.3 in) wide: the width a new or redrawn figure takes.
TEXT_WIDTH_IN = 6.2  # the saved PNG adds a little padding: ≤ 6.3 in in all
# The limit save() enforces (the saved PNG's padding on top of the drawn width).
MAX_WIDTH_IN = TEXT_WIDTH_IN + 0.3
MAX_HEIGHT_IN = 8.0
MIN_FONT_PT = 7.0

# Okabe & Ito (2008) and Tol's muted scheme, distinguishable with the common
# colour-vision deficiencies; each activation's colour is in its vocabulary row.
ACTIVATION_COLORS: dict[str, str] = {n: w.colour for n, w in vocabulary.ACTIVATIONS.items()}
# Tol's bright scheme plus black; xavier and lecun (the same variance at square width)
# differ in hue and in lightness. Line styles and markers by init are for figures where
# colour already means the activation. All three are in the inits' vocabulary rows.
INIT_COLORS: dict[str, str] = {n: w.colour for n, w in vocabulary.INITS.items()}
INIT_DASHES: dict[str, tuple[float, ...]] = {n: w.dashes for n, w in vocabulary.INITS.items()}
INIT_MARKERS: dict[str, str] = {n: w.marker for n, w in vocabulary.INITS.items()}
# Verdicts are told apart by shape and fill, in black and grey (every hue already
# means an activation or an init): qualified is half filled (true one way, false the
# other), not tested is hollow grey, clearly not a pass. Colour-blind safe by design.
VERDICT_STYLES: dict[str, dict[str, Any]] = {
    "supported": {"marker": "o", "color": "black"},
    "qualified": {
        "marker": "o",
        "color": "black",
        "fillstyle": "left",
        "markerfacecoloralt": "white",
    },
    "refuted": {
        "marker": "X",
        "color": "black",
        "markeredgecolor": "white",
        "markeredgewidth": 0.4,
    },
    "inconclusive": {"marker": "$?$", "color": "black"},
    "not tested": {"marker": "o", "color": "0.55", "fillstyle": "none"},
}
FALLBACK = "#555555"
# Greys for every variable that is neither an activation nor an init.
NEUTRAL_DARK, NEUTRAL_LIGHT = 0.0, 0.72  # grey levels: black … light grey (still visible)
MARKERS = ("o", "s", "^", "D", "v", "P")
DASHES: tuple[tuple[float, ...], ...] = ((), (4, 1.5), (1.5, 1.5), (5, 2, 1, 2), (1, 3), (8, 2))


def _shade(base: str, t: float) -> str:
    """t in [−1, 1]: −1 mixes 60 % white in, +1 60 % black, 0 is the base colour."""
    rgb = np.array(mcolors.to_rgb(base))
    t = float(np.clip(t, -1.0, 1.0))
    target, mix = (np.ones(3), -0.6 * t) if t < 0 else (np.zeros(3), 0.6 * t)
    return mcolors.to_hex((1 - mix) * rgb + mix * target)  # type: ignore[arg-type]  # stubs: array colour


def activation_color(name: str) -> str:
    """The activation's fixed colour, the one it has in every figure; tanh(n·x) and
    leaky ReLU(a) are shades of their family's colour: lighter below n = 1 (a = 0.01),
    darker above, darkest at n = 3 (a = 0.3)."""
    try:
        key, v = vocabulary.split_name(name)
    except KeyError:
        return FALLBACK
    if v is None:
        return ACTIVATION_COLORS[key]
    base = ACTIVATION_COLORS[vocabulary.PARAMETRISED[key].base]
    if key == "tanh_n":
        return _shade(base, float(np.log(v) / np.log(3 if v > 1 else 4)))
    # Above 0.01 the shade is linear in the slope (0.1, 0.2, 0.3 a third of the ramp
    # apart each): on a log scale 0.1 and 0.2 were two near-identical browns.
    t = (v - 0.01) / 0.29 if v > 0.01 else float(np.log(v / 0.01) / np.log(10))
    return _shade(base, t)


def init_color(name: str) -> str:
    return INIT_COLORS.get(name, FALLBACK)


def ramp(n: int) -> list[str]:
    """n greys from light to black, for the levels of an ordered variable (learning
    rate, scale): darker = larger. Greys, so never confused with an activation or init."""
    grey = np.linspace(NEUTRAL_LIGHT, NEUTRAL_DARK, n) if n > 1 else np.array([NEUTRAL_DARK])
    return [mcolors.to_hex((g, g, g)) for g in grey]


def ramp_cmap() -> mcolors.Colormap:
    """The continuous form of ``ramp`` (for a colour bar over many levels)."""
    light, dark = ramp(2)
    return mcolors.LinearSegmentedColormap.from_list("neutral_ramp", [light, dark])


def levels(names: Iterable[Any]) -> dict[Any, dict[str, Any]]:
    """{name: line keywords} for an unordered variable that is neither activation nor
    init (optimiser, mapping, dtype, phase): black and greys, each with its own marker
    and dash pattern, so the levels differ in shape, not in hue."""
    names = list(dict.fromkeys(names))
    greys = ramp(len(names))[::-1] if len(names) > 1 else ramp(1)
    return {
        n: {
            "color": greys[k],
            "marker": MARKERS[k % len(MARKERS)],
            "dashes": DASHES[k % len(DASHES)],
        }
        for k, n in enumerate(names)
    }


def palette_colors() -> set[str]:
    """Every colour the activation and init palettes use (tests check that other
    variables never take one)."""
    out = {c.lower() for c in (*ACTIVATION_COLORS.values(), *INIT_COLORS.values())}
    for base, values in (("tanh_n", (0.5, 2, 3)), ("leaky_relu", (0.001, 0.1, 0.2, 0.3))):
        out |= {activation_color(f"{base}{v:g}").lower() for v in values}
    return out - {"#000000", "#888888", "#bbbbbb"}  # black and greys are neutral too


def activation_order(names: Iterable[str]) -> list[str]:
    """Activations in the convention's order (families together, n and slopes rising)."""
    return sorted(dict.fromkeys(names), key=vocabulary.activation_rank)


def init_order(names: Iterable[str]) -> list[str]:
    fixed = list(INIT_COLORS)
    return sorted(dict.fromkeys(names), key=lambda i: fixed.index(i) if i in fixed else len(fixed))


def palette(names: Iterable[str], kind: str) -> dict[str, str]:
    """{label: colour} for the names, keyed by the labels a relabelled frame holds."""
    color = {"activation": activation_color, "init": init_color}[kind]
    return {label(n, kind): color(n) for n in names}


def relabel(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """A copy whose code-name columns hold labels ({column: kind})."""
    out = df.copy()
    for col, kind in columns.items():
        out[col] = out[col].map(lambda v, k=kind: label(v, k))
    return out


def hue(df: pd.DataFrame, column: str, kind: str) -> tuple[pd.DataFrame, dict[str, object]]:
    """A relabelled copy of df and the seaborn keywords (hue, hue_order, palette) that
    colour ``column`` by the convention, in the convention's order."""
    order = activation_order(df[column]) if kind == "activation" else init_order(df[column])
    pal = palette(order, kind)
    return relabel(df, {column: kind}), {
        "hue": column,
        "hue_order": list(pal),
        "palette": pal,
    }


def labels_of(names: Iterable[str], kind: str) -> list[str]:
    return [label(n, kind) for n in names]


def log_range(values: np.ndarray) -> tuple[float, float, bool]:
    """(floor, top, has_zeros) for a log axis: the floor is a decade below the smallest
    positive value, where exact zeros are drawn (see ``zero_floor``)."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    pos = v[v > 0]
    if not pos.size:
        return 1e-12, 1.0, bool(v.size)
    floor = 10 ** (np.floor(np.log10(pos.min())) - 1)
    return float(floor), float(10 ** np.ceil(np.log10(pos.max()))), bool((v <= 0).any())


def symlog_ticks(ax: plt.Axes, linthresh: float = 1.0) -> None:
    """Label a symlog y axis at 0 and at whole decades only. Matplotlib's symlog
    locator puts a tick at 0 inside the linear band *and* may add others that format
    as "0" or crowd the band; one 0 tick and ±10^k ticks read as a log axis should."""
    lo, hi = ax.get_ylim()
    ticks = [0.0] if lo <= 0 <= hi else []
    for sign in (1, -1):
        k = math.floor(math.log10(linthresh))
        while 10.0**k <= max(abs(lo), abs(hi)) * 1.0001:
            t = sign * 10.0**k
            if lo <= t <= hi:
                ticks.append(t)
            k += 1
    ticks = sorted(set(ticks))
    if len([t for t in ticks if t]) > 6:  # thin to every other decade on a tall range
        ticks = [t for t in ticks if t == 0 or round(math.log10(abs(t))) % 2 == 0]
    ax.set_yticks(ticks, [_decade(t) for t in ticks])
    ax.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_ylim(lo, hi)


def _decade(t: float) -> str:
    if t == 0:
        return "0"
    k = round(math.log10(abs(t)))
    sign = "−" if t < 0 else ""
    return f"{sign}{10**k:g}" if 0 <= k <= 1 else f"{sign}10$^{{{k}}}$"


def zero_floor(ax: plt.Axes, floor: float) -> None:
    """Mark the level where a log axis draws exact zeros: a dotted line, a '0' tick and
    break marks on the axis just above it, so that the 0 does not read as one more
    decade of the log scale (it is not: the axis is broken between them)."""
    ax.axhline(floor, color="0.4", lw=0.6, ls=":")
    lo, hi = ax.get_ylim()
    ticks = [t for t in ax.get_yticks() if floor * 30 <= t <= hi]
    ax.set_yticks([floor, *ticks], ["0", *[ax.yaxis.get_major_formatter()(t) for t in ticks]])
    ax.set_ylim(lo, hi)
    ax.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    # The break sits halfway (on the log scale) between the 0 line and the next tick.
    above = ticks[0] if ticks else hi
    y = (math.log10(floor * math.sqrt(above / floor)) - math.log10(lo)) / (
        math.log10(hi) - math.log10(lo)
    )
    for dy in (-0.025, 0.025):
        ax.plot(
            [-0.035, 0.035],
            [y + dy - 0.02, y + dy + 0.02],
            transform=ax.transAxes,
            color="0.25",
            lw=0.8,
            clip_on=False,
            zorder=5,
        )


# Seaborn draws stripplot jitter from NumPy's global generator: seed it, so that
# the same table gives the same points (and bytes) on every run.
JITTER_SEED = 0


def shared_legend(fig: plt.Figure, axes: Iterable[plt.Axes], title: str, ncol: int = 3) -> None:
    """One legend below the panels with every labelled line of any panel once (a line
    only some panels draw is still listed)."""
    handles: dict[str, Any] = {}
    for ax in axes:
        for h, name in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(name, h)
    fig.legend(
        list(handles.values()),
        list(handles),
        loc="outside lower center",
        ncol=ncol,
        fontsize=7,
        title=title,
    )


def setup() -> None:
    np.random.seed(JITTER_SEED)  # noqa: NPY002 (seaborn reads the legacy global generator)
    sns.set_theme(context="paper", style="whitegrid")
    plt.rcParams.update(
        {
            "figure.dpi": 110,
            "savefig.dpi": DPI,
            "svg.hashsalt": "vanishing",
            "font.size": 8,
            "axes.titlesize": 8.5,
            "axes.labelsize": 8,
            "xtick.labelsize": 7.5,
            "ytick.labelsize": 7.5,
            "legend.fontsize": 7.5,
            "legend.title_fontsize": 8,
            "figure.titlesize": 9,
            # Greys: a line that takes the default colour never reads as an activation/init.
            "axes.prop_cycle": rcsetup.cycler(color=ramp(3)[::-1]),
        }
    )


def panel_grid(
    n: int, panel_w: float, panel_h: float, extra_w: float = 0.0, max_cols: int = 3, **kw: Any
) -> tuple[plt.Figure, np.ndarray]:
    """``n`` panels, at most ``max_cols`` a row and the rows balanced (4 → 2 × 2), each
    at most as wide as the text width allows, so that a config with more panels than the
    quick one still fits the page. Unused
    axes are hidden; ``axes`` is 2-D (rows × columns); ``kw`` goes to subplots."""
    rows = math.ceil(n / max_cols)
    cols = math.ceil(n / rows)
    # Narrower panels rather than a figure wider than the text.
    panel_w = min(panel_w, (TEXT_WIDTH_IN - extra_w) / cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(panel_w * cols + extra_w, panel_h * rows + 0.2),
        squeeze=False,
        layout="constrained",
        **kw,
    )
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes


def _check_size(fig: plt.Figure, bbox: Bbox) -> None:
    """Refuse figures that would print too wide or with text below MIN_FONT_PT."""
    width, height = bbox.width, bbox.height  # inches
    problems = []
    if width > MAX_WIDTH_IN + 0.05 or height > MAX_HEIGHT_IN + 0.05:
        problems.append(
            f"{width:.2f} × {height:.2f} in exceeds {MAX_WIDTH_IN} × {MAX_HEIGHT_IN} in"
        )
    small = sorted(
        {
            (round(float(t.get_fontsize()), 1), t.get_text()[:30])
            for t in fig.findobj(matplotlib.text.Text)
            if t.get_visible() and t.get_text().strip() and float(t.get_fontsize()) < MIN_FONT_PT
        }
    )
    if small:
        problems.append(f"text below {MIN_FONT_PT} pt: {small[:5]}")
    if problems:
        raise ValueError("figure not readable at print size: " + "; ".join(problems))


def save(fig: plt.Figure, outputs: list[Path] | list[str]) -> None:
    """Check the size, then write PNG/PDF without timestamps (same data, same bytes).

    Lays the figure out and measures it once: ``bbox_inches="tight"`` would draw it
    twice more per file, each time re-running the constrained layout, which made
    saving most of a figure job's time. The layout pass only runs the layout engine,
    where a draw (even one that renders nothing) would also walk every artist: the same
    positions and bytes as a full draw. Each file is then drawn once."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        engine = fig.get_layout_engine()
        if engine is not None:
            engine.execute(fig)
    for w in caught:
        if "collapsed" in str(w.message):
            # Matplotlib only warns, and saves the figure with panels and labels on top of
            # each other (an artist reaching far outside its axes does this)
            raise ValueError(f"figure not readable: {w.message}")
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    bbox = fig.get_tightbbox(cast("FigureCanvasAgg", fig.canvas).get_renderer())
    _check_size(fig, bbox)
    # Keep the positions just computed, with no layout engine at all: "none" leaves a
    # placeholder engine, and savefig lays out a figure that has any engine once more
    # (a draw that renders nothing) before drawing each file.
    with plt.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)
    crop = bbox.padded(plt.rcParams["savefig.pad_inches"])
    for out in map(Path, outputs):
        out.parent.mkdir(parents=True, exist_ok=True)
        meta = {"CreationDate": None} if out.suffix == ".pdf" else {"Software": None}
        fig.savefig(out, bbox_inches=crop, metadata=meta)
    plt.close(fig)
