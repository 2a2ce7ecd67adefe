"""Effect of the leaky-ReLU negative slope ε (0 = ReLU) on a deep MLP
trained with SGD on digits: dead-unit share, log10 first/last-layer gradient
ratio, and test accuracy, at initialisation and after training (points: seeds;
line: mean).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import seaborn as sns

from ..tables import Tables
from .style import save, setup

PANELS = [
    ("dead_frac", "dead-unit share"),
    ("log10_grad_ratio", "log10 ‖∇W₁‖/‖∇W_L‖"),
    ("test_accuracy", "test accuracy"),
]


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("leaky_slope.runs")
    fig, axes = plt.subplots(1, len(PANELS), figsize=(3.4 * len(PANELS), 3.1))
    for ax, (col, label) in zip(axes, PANELS, strict=True):
        data = df if col != "test_accuracy" else df[df["phase"] == "final"]
        sns.lineplot(data=data, x="slope", y=col, hue="phase", marker="o", errorbar=None, ax=ax)
        sns.stripplot(
            data=data,
            x="slope",
            y=col,
            hue="phase",
            native_scale=True,
            size=3,
            alpha=0.5,
            legend=False,
            ax=ax,
        )
        ax.set_xlabel("negative slope ε")
        ax.set_ylabel(label)
    fig.tight_layout()
    save(fig, outputs)
