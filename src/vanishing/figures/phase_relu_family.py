"""For the ReLU family the measured gradient growth turns from vanishing to exploding where
mean-field theory's line χ1 = 1 puts it, and the bias variance σ_b² makes no difference.
Measured per-layer slope of ln‖δ‖ towards the input (median over seeds at the deepest
depth; line: median over the σ_b² rows, band: their range, so a narrow band means σ_b²
does not matter) against the weight variance σ_w², one colour per activation; dashed
verticals: the theory's critical σ_w² = 2/(1 + a²) for backward slope a. Right: the same
against σ_w² divided by that critical value, where theory puts every crossing at 1.

Networks have Gaussian inputs, weights N(0, σ_w²/fan_in) and biases N(0, σ_b²) in every
layer, float64. For piecewise-linear φ, χ1 = σ_w²·E[φ'²] does not depend on the variance
q, so the line is vertical in the (σ_w², σ_b²) plane; a heat map over that plane (as for
the other families) would repeat the same columns in every row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..core.vocabulary import family
from ..machinery.labels import label
from ._phase import LIMIT, Tables, _fraction
from .style import TEXT_WIDTH_IN, activation_color, activation_order, save, setup


def slope_by_sigma_w(grid: pd.DataFrame, depth: int) -> pd.DataFrame:
    """Per (activation, σ_w²): the median over σ_b² rows of the per-cell median over seeds,
    and the rows' range. A diverged seed counts as +∞ and a vanished one as −∞ (as in the
    heat maps), so a cell's median says which way it went."""
    g = grid[grid["depth"] == depth].copy()
    status = g["status"].astype(str)
    v = g["slope"].astype(float)
    other = np.where(status == "diverged", np.inf, -np.inf)
    g["v"] = v.where(status == "finite", other)  # type: ignore[call-overload]  # stubs: array other
    cells = g.groupby(["activation", "sigma_w2", "sigma_b2"])["v"].median().reset_index()
    return (
        cells.groupby(["activation", "sigma_w2"])["v"]
        .agg(median="median", lo="min", hi="max")
        .reset_index()
    )


def critical_sigma_w(crit: pd.DataFrame, act: str) -> float:
    """The theory's critical σ_w² (one value: the line is vertical for this family)."""
    w = crit.loc[crit["activation"] == act, "sigma_w2"].astype(float)
    w = w[np.isfinite(w)]
    return float(w.median()) if len(w) else float("nan")


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    grid = inputs.table("phase.grid")
    crit = inputs.table("phase.critical")
    grid = grid[[family(a) == "relu_family" for a in grid["activation"]]]
    acts = activation_order(grid["activation"])
    fig, (ax, bx) = plt.subplots(
        1, 2, figsize=(TEXT_WIDTH_IN, 2.7), sharey=True, layout="constrained"
    )
    if not acts:
        ax.text(
            0.5,
            0.5,
            "no ReLU-family activation\nin this configuration",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
    else:
        deep = int(grid["depth"].max())
        prof = slope_by_sigma_w(grid, deep)
        values = prof[["median", "lo", "hi"]].to_numpy(float)
        finite = values[np.isfinite(values)]
        edge = float(np.abs(finite).max()) * 1.1 if finite.size else LIMIT
        for act in acts:
            p = prof[prof["activation"] == act].sort_values("sigma_w2")
            c = activation_color(act)
            w_crit = critical_sigma_w(crit, act)
            # A cell whose seeds mostly diverged (vanished) is drawn on the panel's edge.
            med, lo, hi = (p[k].clip(-edge, edge) for k in ("median", "lo", "hi"))
            for axis, x in ((ax, p["sigma_w2"]), (bx, p["sigma_w2"] / w_crit)):
                axis.fill_between(x, lo, hi, color=c, alpha=0.2, lw=0)
                axis.plot(
                    x, med, color=c, lw=1.3, marker="o", ms=2.5, label=label(act, "activation")
                )
            ax.axvline(w_crit, color=c, lw=1.0, ls="--")
        bx.axvline(1.0, color="black", lw=1.0, ls="--")
        lo_w, hi_w = float(prof["sigma_w2"].min()), float(prof["sigma_w2"].max())
        ticks = [
            2.0**k for k in range(int(np.floor(np.log2(lo_w))), int(np.ceil(np.log2(hi_w))) + 1, 2)
        ]
        ax.set_xscale("log", base=2)
        ax.set_xticks(ticks, [_fraction(t) for t in ticks])
        bx.set_xscale("log", base=2)
        bx.set_xticks(ticks, [_fraction(t) for t in ticks])
        ax.legend(loc="upper left", fontsize=7, handlelength=1.5)
        ax.set_title(f"depth {deep}")
        bx.set_title("σ_w² in units of the theory's critical value")
    for axis in (ax, bx):
        axis.axhline(0, color="black", lw=0.7)
        axis.minorticks_off()
    ax.set(
        xlabel="σ_w²: weights N(0, σ_w²/fan_in)",
        ylabel="slope of ln‖δ‖ per layer\n(> 0 explodes, < 0 vanishes)",
    )
    bx.set(xlabel="σ_w² / (2 / (1 + a²))")
    save(fig, outputs)
