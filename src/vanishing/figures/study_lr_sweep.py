"""Training-set loss of a ReLU/He MLP on digits under plain mini-batch SGD,
one curve per learning rate (thin: each seed; thick: the median over the seeds
still finite at that step). Curves that
stop have diverged to a non-finite loss.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from ..tables import Tables
from .style import save, setup


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("lr_sweep.curves")
    df["train_loss"] = df["train_loss"].where(np.isfinite(df["train_loss"]))
    fig, ax = plt.subplots(figsize=(5.2, 3.5))
    for i, (lr, g) in enumerate(df.groupby("lr")):
        for _, s in g.groupby("seed"):
            ax.plot(s["step"], s["train_loss"], color=f"C{i}", lw=0.5, alpha=0.4)
        med = g.groupby("step")["train_loss"].median()
        ax.plot(med.index, med, color=f"C{i}", lw=2, label=f"α = {lr:g}")
    ax.set_yscale("log")
    ax.set_xlabel("SGD step")
    ax.set_ylabel("training loss (cross-entropy)")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    save(fig, outputs)
