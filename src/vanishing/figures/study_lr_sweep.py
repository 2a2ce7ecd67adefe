"""Plain SGD trains faster as the learning rate α grows, up to a narrow edge beyond which
more and more seeds diverge. Left: training loss of a ReLU MLP at He init on digits, median
over all seeds with a diverged seed counted as +∞ (darker = larger α); a curve that ends in
× is an α whose median diverged there (half the seeds or more). Right: per α, the median
loss after the early budget and at the end (× on the top edge: diverged), and below it the
share of seeds that diverged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.ticker import PercentFormatter

from ..machinery.tables import Tables
from .style import TEXT_WIDTH_IN, ramp_cmap, save, setup

EARLY_FRACTION = 0.1  # as the check C1 (claims/checks_lr_sweep.py)
TAIL = 0.75


def wide(df: pd.DataFrame, lr: float, steps: np.ndarray) -> pd.DataFrame:
    """seeds × steps of one α; a diverged run stays +∞ from its first non-finite
    evaluation on (a NaN loss is a divergence, not a missing value)."""
    w = df[df["lr"] == lr].pivot(index="seed", columns="step", values="train_loss")
    w = w.reindex(columns=steps).astype(float)
    bad = cast(pd.DataFrame, ~np.isfinite(w)).cummax(axis=1)  # a ufunc keeps the frame
    return w.where(~bad, np.inf)


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("lr_sweep.curves")
    lrs = np.sort(df["lr"].unique())
    steps = np.sort(df["step"].unique())
    norm = LogNorm(vmin=lrs.min(), vmax=lrs.max() if lrs.max() > lrs.min() else lrs.min() * 10)
    cmap = ramp_cmap()
    fig = plt.figure(figsize=(TEXT_WIDTH_IN, 3.2), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=[1.2, 1])
    ax = left.subplots()
    bx, cx = right.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    runs = {lr: wide(df, lr, steps) for lr in lrs}
    finite_max = max(float(w[np.isfinite(w)].max().max()) for w in runs.values())
    top = finite_max * 3
    for lr, w in runs.items():
        colour = cmap(norm(lr))
        med = w.median(axis=0)  # +∞ once half or more of the seeds have diverged
        ok = np.isfinite(med.to_numpy())
        ax.plot(steps[ok], med[ok], color=colour, lw=1.2)
        if not ok.all():
            # the median diverged here (half the seeds or more): mark it with ×
            k = int(np.argmax(~ok))
            ax.plot([steps[k]], [top], "x", color=colour, ms=5, mew=1.3, clip_on=False)
            if k:
                ax.plot(steps[k - 1 : k + 1], [med.iloc[k - 1], top], color=colour, lw=0.7, ls=":")
    ax.set_yscale("log")
    ax.set_ylim(top=top)
    ax.set_xlim(steps.min(), steps.max())
    ax.set_xlabel("SGD step")
    ax.set_ylabel("training loss (cross-entropy)")
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    left.colorbar(sm, ax=ax, label="learning rate α", pad=0.01)

    early_step = steps[min(np.searchsorted(steps, EARLY_FRACTION * steps.max()), len(steps) - 1)]
    tail = steps >= TAIL * steps.max()
    early = np.array([float(np.median(runs[lr][early_step])) for lr in lrs])
    final = np.array([float(np.median(runs[lr].loc[:, tail].mean(axis=1))) for lr in lrs])
    diverged = [int((~np.isfinite(runs[lr].iloc[:, -1])).sum()) for lr in lrs]
    n_seeds = [len(runs[lr]) for lr in lrs]
    for values, name, style in (
        (early, f"after {early_step} steps", {"marker": "o", "color": "0.55", "mfc": "white"}),
        (final, "final (last quarter)", {"marker": "s", "color": "black"}),
    ):
        ok = np.isfinite(values)
        bx.plot(lrs[ok], values[ok], ms=3.5, lw=1, label=name, **style)
        if ok.all():
            # an empty unclipped line counts the figure's corner (0, 0) in the axes' extent,
            # and the constrained layout collapses
            continue
        bx.plot(
            lrs[~ok],
            np.full((~ok).sum(), top),
            "x",
            color=style["color"],
            ms=6,
            mew=1.3,
            clip_on=False,
        )
    share = np.array(diverged) / np.array(n_seeds)
    cx.plot(lrs, share, marker="o", ms=3, color="black", lw=1)
    cx.set(xscale="log", ylim=(-0.05, 1.05), xlabel="learning rate α", ylabel="seeds diverged")
    cx.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0, symbol=" %"))
    bx.plot([], [], "x", color="black", label="median diverged")
    bx.set_xscale("log")
    bx.set_yscale("log")
    bx.set_ylim(top=top)
    bx.set_ylabel("median training loss")
    bx.legend(loc="lower left", fontsize=7, handlelength=1.5)
    save(fig, outputs)
