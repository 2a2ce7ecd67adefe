"""Exact-zero share of hidden outputs (left) and test accuracy (right) of
ReLU and softplus MLPs on digits, versus the weight λ of an L1 penalty on the
hidden activations, at initialisation and after training (mean over seeds,
bars: sd).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import seaborn as sns

from ..labels import label
from ..tables import Tables
from .style import activation_color, activation_order, hue, save, setup


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("sparsity.runs")
    df["l1"] = df["l1"].astype(str)
    fig, axes = plt.subplots(1, 2, figsize=(7.4, 3.2))
    acts = activation_order(df["activation"])
    df, kw = hue(df, "activation", "activation")
    final = df[df["phase"] == "final"]
    sns.pointplot(
        data=final,
        x="l1",
        y="zero_frac",
        **kw,
        errorbar="sd",
        dodge=0.2,
        ax=axes[0],
    )
    init = df[df["phase"] == "init"].groupby("activation")["zero_frac"].mean()
    for name in acts:
        lab = label(name, "activation")
        axes[0].axhline(
            init[lab], ls=":", color=activation_color(name), lw=1, label=f"{lab} at init"
        )
    axes[0].set_xlabel("L1 weight λ")
    axes[0].set_ylabel("exact-zero share of hidden outputs")
    axes[0].legend()
    sns.pointplot(
        data=final,
        x="l1",
        y="test_accuracy",
        **kw,
        errorbar="sd",
        dodge=0.2,
        ax=axes[1],
    )
    axes[1].set_xlabel("L1 weight λ")
    axes[1].set_ylabel("test accuracy (after training)")
    fig.tight_layout()
    save(fig, outputs)
