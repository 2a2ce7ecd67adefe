"""Plain mini-batch SGD on digits (a ReLU MLP at He init) at log-spaced learning rates α.
Left: training-set loss, median over the seeds still finite at that step, one curve
per α (colour: α); a curve that stops has diverged in every seed. Right: per α, the
median loss after the early budget (the first evaluation after 10 % of training) and
the median final loss (mean of the last quarter), a diverged seed counting as ∞; an α
whose median is ∞ (half or more of its seeds diverged) is marked × on the top edge.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm

from ..tables import Tables
from .style import save, setup

EARLY_FRACTION = 0.1  # as the check C1 (claims/checks_lr_sweep.py)
TAIL = 0.75


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("lr_sweep.curves")
    loss = df["train_loss"].astype(float)
    df = df.assign(train_loss=loss.where(np.isfinite(loss)))
    lrs = np.sort(df["lr"].unique())
    norm = LogNorm(vmin=lrs.min(), vmax=lrs.max() if lrs.max() > lrs.min() else lrs.min() * 10)
    cmap = plt.get_cmap("viridis")
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(9.0, 3.6))
    for lr, g in df.groupby("lr"):
        med = g.groupby("step")["train_loss"].median()
        ax.plot(med.index, med, color=cmap(norm(lr)), lw=1.2)
    ax.set_yscale("log")
    ax.set_xlabel("SGD step")
    ax.set_ylabel("training loss (cross-entropy)")
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(sm, ax=ax, label="learning rate α")

    steps = np.sort(df["step"].unique())
    early_step = steps[np.searchsorted(steps, EARLY_FRACTION * steps.max())]
    tail = steps >= TAIL * steps.max()
    early, final = [], []
    for lr in lrs:
        w = df[df["lr"] == lr].pivot(index="seed", columns="step", values="train_loss")
        w = w.reindex(columns=steps)
        # a diverged run stays non-finite: ∞ from its first non-finite evaluation on
        w = w.where(~w.isna().cummax(axis=1), np.inf)
        early.append(float(np.median(w[early_step])))
        final.append(float(np.median(w.loc[:, tail].mean(axis=1))))
    early, final = np.array(early), np.array(final)
    finite = np.isfinite(np.concatenate([early, final]))
    top = np.concatenate([early, final])[finite].max() * 3 if finite.any() else 10.0
    for values, label, marker in (
        (early, f"after {early_step} steps", "o"),
        (final, "final (last quarter)", "s"),
    ):
        ok = np.isfinite(values)
        line = bx.plot(lrs[ok], values[ok], marker=marker, ms=3.5, lw=1, label=label)[0]
        bx.plot(lrs[~ok], np.full((~ok).sum(), top), "x", color=line.get_color(), ms=6)
    bx.set_xscale("log")
    bx.set_yscale("log")
    bx.set_xlabel("learning rate α")
    bx.set_ylabel("median training loss")
    bx.legend(fontsize=7)
    fig.tight_layout()
    save(fig, outputs)
