"""Shared drawing of the mean-field phase diagrams (one figure per activation family).

Each panel: the measured per-layer slope of ln‖δ‖ (median over seeds, deepest depth) as a
heatmap over (σ_w², σ_b²), the theory's critical line χ1 = 1 (a grey band), and the measured
level set, slope = 0, at the deepest depth (black dashed) and the shallowest (black dotted).
The ReLU family draws its own figure (phase_relu_family.py): its line is vertical.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Protocol

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D

from ..core.vocabulary import FAMILIES, family
from ..machinery.labels import label
from .style import TEXT_WIDTH_IN, save, setup

LIMIT = 0.8  # colour scale ±0.8 per layer (a factor e^±0.8 ≈ 2.2 per layer); beyond: saturated
CMAP = "vlag"  # blue (vanish) – white (level) – red (explode), as the other heatmaps
COLS = 3
THEORY_LW = 3.0
THEORY = "0.5"  # a broad grey band: the measured lines are drawn on it in black
# The measured level sets: thin black lines, dashed (deepest depth) and dotted (shallowest),
# drawn over the theory band so that both show where they coincide. No rim or outline: a
# rimmed dashed line rendered as a zipper over the theory line. No activation colour, since
# the panels are activations already (style.py's palette convention).
MEASURED = "black"
MEASURED_LW = 1.0
# A white rim keeps the theory band visible on the dark ends of the colour scale.
HALO = [patheffects.Stroke(linewidth=THEORY_LW + 1.5, foreground="white"), patheffects.Normal()]


class Tables(Protocol):
    def table(self, name: str) -> pd.DataFrame: ...


def _fraction(t: float) -> str:
    """2^k as '1/4', '1', '8'."""
    return f"{t:g}" if t >= 1 else f"1/{1 / t:g}"


def _edges(centres: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges halfway between centres (geometric on a log axis), extended at the ends."""
    c = np.log(centres) if log else np.asarray(centres, float)
    if len(c) == 1:
        e = np.array([c[0] - 0.05, c[0] + 0.05])
    else:
        mid = (c[:-1] + c[1:]) / 2
        e = np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])
    return np.exp(e) if log else e


def _median_surface(grid: pd.DataFrame, depth: int) -> pd.DataFrame:
    """Median slope per cell (σ_b² rows × σ_w² columns); diverged seeds count as +∞ and
    vanished ones as −∞, so the median says which way the cell went."""
    g = grid[grid["depth"] == depth].copy()
    v = g["slope"].astype(float)
    status = g["status"].astype(str)
    other = np.where(status == "diverged", np.inf, -np.inf)
    g["v"] = v.where(status == "finite", other)  # type: ignore[call-overload]  # stubs: array other
    return g.groupby(["sigma_b2", "sigma_w2"])["v"].median().unstack("sigma_w2")


def _panel(
    ax: plt.Axes,
    name: str,
    grid: pd.DataFrame,
    crit: pd.DataFrame,
    deep: int,
    shallow: int | None,
) -> Any:
    surf = _median_surface(grid, deep)
    sw = surf.columns.to_numpy(float)
    sb = surf.index.to_numpy(float)
    # Every row is as tall as the others, the σ_b² = 0 row too: its cell reaches below 0,
    # where no tick is labelled (a half-height row looked like a half-weight one).
    sb_edges = _edges(sb, log=False)
    mesh = ax.pcolormesh(
        _edges(sw, log=True),
        sb_edges,
        np.clip(surf.to_numpy(float), -LIMIT, LIMIT),
        cmap=CMAP,
        norm=Normalize(-LIMIT, LIMIT),
        shading="flat",
        rasterized=True,
    )
    ax.set_xscale("log", base=2)
    for _, line in crit.sort_values("sigma_b2").groupby("branch"):
        line = line[np.isfinite(line["sigma_w2"].astype(float))]
        ax.plot(
            line["sigma_w2"],
            line["sigma_b2"],
            color=THEORY,
            lw=THEORY_LW,
            solid_capstyle="butt",
            path_effects=HALO,
            zorder=3,
        )
    if len(sb) > 1 and len(sw) > 1:
        for depth, style in ((deep, "--"), (shallow, ":")):
            if depth is None:
                continue
            zs = np.clip(_median_surface(grid, depth).to_numpy(float), -1e3, 1e3)
            if np.nanmin(zs) < 0 < np.nanmax(zs):
                ax.contour(
                    sw,
                    sb,
                    zs,
                    levels=[0.0],
                    colors=MEASURED,
                    linestyles=style,
                    linewidths=MEASURED_LW,
                    zorder=4,
                )
    sw_edges = _edges(sw, log=True)
    ax.set_xlim(sw_edges[0], sw_edges[-1])
    ax.set_ylim(sb_edges[0], sb_edges[-1])
    ax.set_yticks([t for t in ax.get_yticks() if sb.min() <= t <= sb.max() + 1e-12])
    on_line = crit[np.isfinite(crit["sigma_w2"].astype(float))]
    outside = on_line[(on_line["sigma_w2"] < sw.min()) | (on_line["sigma_w2"] > sw.max())]
    if len(on_line) and len(outside) == len(on_line):
        # The whole line is off the grid: say where it is instead of drawing nothing.
        right = on_line["sigma_w2"].min() > sw.max()
        ax.text(
            0.95 if right else 0.05,
            0.5,
            f"χ1 = 1 at σ_w² ≈ {on_line['sigma_w2'].median():.3g}\n(off the grid)",
            transform=ax.transAxes,
            ha="right" if right else "left",
            va="center",
            fontsize=7,
            bbox={"boxstyle": "round", "fc": "white", "ec": "0.6", "alpha": 0.9},
        )
    elif on_line.empty:
        ax.text(0.5, 0.5, "χ1 never reaches 1", transform=ax.transAxes, ha="center", fontsize=7)
    ax.set_title(label(name, "activation"))
    lo, hi = math.floor(math.log2(sw.min())), math.ceil(math.log2(sw.max()))
    step = 2 if hi - lo > 4 else 1  # every other octave on a wide axis, so labels never touch
    ticks = [2.0**k for k in range(lo, hi + 1) if k % step == 0]
    ax.set_xticks(ticks)
    ax.set_xticklabels([_fraction(t) for t in ticks])
    ax.minorticks_off()
    ax.grid(False)
    return mesh


def draw(inputs: Tables, outputs: list[Path], fam: str) -> None:
    setup()
    grid = inputs.table("phase.grid")
    crit = inputs.table("phase.critical")
    grid = grid[[family(a) == fam for a in grid["activation"]]]
    acts = list(dict.fromkeys(grid["activation"]))
    depths = sorted(int(d) for d in grid["depth"].unique()) if len(grid) else []
    deep = depths[-1] if depths else 0
    shallow = depths[0] if len(depths) > 1 else None
    n = max(len(acts), 1)
    cols = n if n <= COLS else min(COLS, math.ceil(math.sqrt(n)))  # 4 panels: 2 × 2
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(TEXT_WIDTH_IN, 2.0 * rows + 1.0),
        squeeze=False,
        sharex=True,
        sharey=True,
        layout="constrained",
    )
    mesh = None
    for ax, name in zip(axes.flat, acts, strict=False):
        mine = crit[crit["activation"] == name]
        mesh = _panel(ax, name, grid[grid["activation"] == name], mine, deep, shallow)
    for ax in list(axes.flat)[len(acts) :]:
        ax.axis("off")
    if not acts:
        fam_name = FAMILIES[fam].split(" (")[0]
        axes.flat[0].text(
            0.5,
            0.5,
            f"no {fam_name} activation\nin this configuration",
            ha="center",
            va="center",
            transform=axes.flat[0].transAxes,
        )
    fig.supxlabel("σ_w²: weights N(0, σ_w²/fan_in)  (log scale)", fontsize=8)
    fig.supylabel("σ_b²: biases N(0, σ_b²)", fontsize=8)
    handles = [
        Line2D([], [], color=THEORY, lw=THEORY_LW, path_effects=HALO, label="theory: χ1 = 1")
    ]
    for depth, style in ((deep, "--"), (shallow, ":")):
        if acts and depth is not None:
            text = f"measured slope = 0, depth {depth}"
            handles.append(Line2D([], [], color=MEASURED, ls=style, lw=MEASURED_LW, label=text))
    fig.legend(
        handles=handles, loc="outside upper center", ncol=len(handles), frameon=False, fontsize=7
    )
    if mesh is not None:
        fig.colorbar(
            mesh,
            ax=axes,
            shrink=0.85,
            extend="both",
            label=f"slope of ln‖δ‖ per layer\n(median over seeds, depth {deep})",
        )
    save(fig, outputs)
