"""A larger negative slope ε of leaky ReLU leaves fewer dead units in a deep MLP trained
with SGD on digits; its effect on test accuracy is small and is read against the seeds'
intervals (right, on an axis centred on zero, so a small gap is not magnified). Left and
middle: dead-unit share and log10 of the first/last-layer gradient ratio against ε (0 =
ReLU), at initialisation (grey circles) and after training (black squares); small points
are seeds, the line their mean. Right: test accuracy minus that of the same seed at the
paper's ε = 0.01 (◇), per seed, and the mean with its 95 % bootstrap interval.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..claims.checks_leaky_slope import ARTICLE_EPS
from ..claims.stats import boot
from ..machinery.tables import Tables
from .style import TEXT_WIDTH_IN, save, setup

PANELS = [
    ("dead_frac", "dead-unit share"),
    ("log10_grad_ratio", "log10 ‖∇W₁‖ / ‖∇W$_L$‖"),
]
PHASES = {"init": "at initialisation", "final": "after training"}


def paired_difference(df: pd.DataFrame, reference: float = ARTICLE_EPS) -> pd.DataFrame:
    """Final test accuracy minus that of the same seed at ε = reference, per (slope,
    seed): pairing by seed removes the seed's own luck from the comparison."""
    acc = df[df["phase"] == "final"].pivot(index="seed", columns="slope", values="test_accuracy")
    diff = acc.sub(acc[reference], axis=0)
    return diff.drop(columns=reference).melt(ignore_index=False, value_name="diff").reset_index()


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("leaky_slope.runs")
    slopes = np.sort(df["slope"].unique())
    look = {
        "init": {"color": "0.5", "marker": "o", "mfc": "white"},
        "final": {"color": "black", "marker": "s"},
    }
    fig, axes = plt.subplots(1, 3, figsize=(TEXT_WIDTH_IN, 2.5), layout="constrained")
    for ax, (col, name) in zip(axes[:2], PANELS, strict=True):
        for phase, text in PHASES.items():
            d = df[df["phase"] == phase]
            style = look[phase]
            ax.plot(d["slope"], d[col], ls="", ms=2.5, alpha=0.5, **style)
            mean = d.groupby("slope")[col].mean()
            ax.plot(mean.index, mean.to_numpy(), ms=4, lw=1, label=text, **style)
        ax.set(xlabel="negative slope ε", ylabel=name)
    axes[0].set_ylim(bottom=0)
    axes[0].legend(loc="best", fontsize=7)
    ax = axes[2]
    if ARTICLE_EPS in set(slopes):
        diff = paired_difference(df)
        ax.axhline(0, color="black", lw=0.8)
        ax.plot(diff["slope"], diff["diff"], "o", color="0.55", ms=2.5, alpha=0.6)
        for s, d in diff.groupby("slope"):
            lo, hi = boot(d["diff"].dropna(), how="mean")
            m = float(d["diff"].mean())
            ax.errorbar(
                [s], [m], yerr=[[m - lo], [hi - m]], fmt="s", color="black", ms=4, capsize=2
            )
        span = max(0.02, float(diff["diff"].abs().max()) * 1.3)
        ax.set_ylim(-span, span)  # symmetric about zero: neither sign looks larger
        ax.plot([ARTICLE_EPS], [0], "D", color="black", mfc="white", ms=4)
    ax.set(xlabel="negative slope ε", ylabel=f"test accuracy − at ε = {ARTICLE_EPS:g}")
    save(fig, outputs)
