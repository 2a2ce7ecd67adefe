"""ReLU outputs are exactly zero in a large share of units and an L1 penalty raises that
share, while softplus has no exact zeros at all; their test accuracies mostly overlap
within the seeds' spread. Exact-zero share of hidden outputs (left) and test accuracy
(middle) of ReLU and softplus MLPs on digits against the weight λ of an L1 penalty on the
hidden activations, in the study's main setting (dotted: at initialisation); right:
unpenalised test accuracy of both under every optimiser × depth (B4's settings). Mean
over seeds, bars: sd.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import matplotlib.pyplot as plt
import seaborn as sns

from ..machinery.labels import label
from ..machinery.tables import Tables
from .style import TEXT_WIDTH_IN, activation_color, activation_order, hue, save, setup


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    runs = inputs.table("sparsity.runs")
    if "optimizer" not in runs:
        runs = runs.assign(optimizer="adam", depth=0)
    main_setting = cast(
        tuple[str, int], runs.groupby(["optimizer", "depth"])["l1"].nunique().idxmax()
    )
    is_main = (runs["optimizer"] == main_setting[0]) & (runs["depth"] == main_setting[1])
    df = runs[is_main].copy()
    df["l1"] = df["l1"].astype(str)
    fig, axes = plt.subplots(1, 3, figsize=(TEXT_WIDTH_IN, 2.9))
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
    axes[0].legend(fontsize=7)
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
    b4 = runs[(runs["phase"] == "final") & (runs["l1"] == 0)].copy()
    b4["setting"] = [
        f"{label(o, 'optimizer')}\n{d}" for o, d in zip(b4["optimizer"], b4["depth"], strict=True)
    ]
    b4, kw4 = hue(b4, "activation", "activation")
    sns.pointplot(
        data=b4, x="setting", y="test_accuracy", **kw4, errorbar="sd", dodge=0.2, ax=axes[2]
    )
    axes[2].set_xlabel("optimiser, hidden layers")
    axes[2].set_ylabel("test accuracy, λ = 0")
    axes[2].set_title("B4: every setting", fontsize="medium")
    if axes[2].get_legend():
        axes[2].get_legend().remove()
    fig.tight_layout()
    save(fig, outputs)
