"""Share of first-layer weight-gradient entries that are exactly zero in a
low-precision dtype although non-zero in float64, versus depth, for deep
sigmoid MLPs (same weights cast to each dtype; mean over seeds). Right: the
float64 median gradient magnitude, with the smallest positive (subnormal)
number of each dtype as dotted lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import seaborn as sns

from ..tables import Tables
from .style import save, setup


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("underflow.grads")
    inits = list(dict.fromkeys(df["init"]))
    fig, axes = plt.subplots(
        1, len(inits) + 1, figsize=(3.6 * (len(inits) + 1), 3.2), squeeze=False
    )
    for ax, init in zip(axes.flat, inits, strict=False):
        sns.lineplot(
            data=df[df["init"] == init],
            x="depth",
            y="underflow_frac",
            hue="dtype",
            style="dtype",
            markers=True,
            errorbar=None,
            ax=ax,
        )
        ax.set_title(f"sigmoid, {init} init")
        ax.set_ylabel("gradient entries lost to underflow")
        ax.set_ylim(-0.03, 1.03)
    ax = axes.flat[-1]
    ref = df[df["dtype"] == "float64"]
    sns.lineplot(
        data=ref, x="depth", y="ref_abs_median", hue="init", marker="o", errorbar=None, ax=ax
    )
    for i, (name, tiny) in enumerate(df.groupby("dtype")["dtype_tiny"].first().items()):
        if name != "float64":
            ax.axhline(tiny, ls=":", color=f"C{i + 3}", label=f"{name} min subnormal")
    ax.set_yscale("log")
    ax.set_ylabel("float64 median |gradient|, layer 1")
    ax.legend(fontsize=7)
    fig.tight_layout()
    save(fig, outputs)
