"""A larger n raises the average derivative of tanh(n·x) but, once n·s is large, lowers
the average log-derivative, whose sign decides whether a long product grows or vanishes.
Expected derivative (left) and expected log-derivative (right) of tanh(n·x) under
x ~ N(0, s²) against n, one grey per s (darker = larger s). Lines: dense trapezoid rule;
circles: Monte Carlo (mean over seeds); crosses: Gauss-Hermite quadrature (order 101),
which drifts off once n·s is large.

The mean derivative never falls as n grows: it rises towards 2/(s√(2π)). The mean
log-derivative rises only while n·s is small and falls roughly linearly in n after that.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import matplotlib.pyplot as plt
import seaborn as sns

from ..machinery.tables import Tables
from .style import TEXT_WIDTH_IN, ramp, save, setup

if TYPE_CHECKING:
    import pandas as pd


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("products.expected")
    df["s"] = df["s"].map(lambda v: f"{v:g}")
    fig, axes = plt.subplots(1, 2, figsize=(TEXT_WIDTH_IN, 3.0))
    styles: dict[str, dict[str, Any]] = {
        "trapezoid": dict(kind="line"),
        "monte_carlo": dict(kind="scatter", marker="o", s=28),
        "quadrature": dict(kind="scatter", marker="x", s=28),
    }
    scales = sorted(df["s"].unique(), key=float)
    palette = dict(zip(scales, ramp(len(scales)), strict=True))  # ordered: darker = larger s
    for ax, col, label in zip(
        axes,
        ["mean_deriv", "mean_log_deriv"],
        ["E[f′(x)]", "E[ln f′(x)]"],
        strict=True,
    ):
        for method, style in styles.items():
            d = df[df["method"] == method]
            if method == "monte_carlo":
                d = cast("pd.DataFrame", d.groupby(["s", "n"], as_index=False)[col].mean())
            if style["kind"] == "line":
                sns.lineplot(data=d, x="n", y=col, hue="s", palette=palette, ax=ax)
            else:
                sns.scatterplot(
                    data=d,
                    x="n",
                    y=col,
                    hue="s",
                    palette=palette,
                    ax=ax,
                    marker=style["marker"],
                    s=style["s"],
                    legend=False,
                )
        ax.set_xlabel("n in tanh(n·x)")
        ax.set_ylabel(label)
    axes[1].axhline(0.0, color="0.3", lw=0.8, ls="--")
    axes[0].legend(title="s", fontsize=7)
    if axes[1].get_legend() is not None:
        axes[1].get_legend().remove()
    fig.tight_layout()
    save(fig, outputs)
