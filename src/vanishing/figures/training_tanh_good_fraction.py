"""Training pushes tanh(n·x)'s pre-activations out of the good band: the share inside
falls, most in deep nets, and the mean log-derivative with it. Top: share of hidden
pre-activations x with |x| < t1(n), where the derivative of tanh(n·x) is still above 1/n
(the "good" x), for n = 2, 3. Middle: mean of ln f′(x) over hidden units (the per-layer
factor a product of derivatives picks up; n = 1 included; a symmetric log axis where it
passes ±10). Bottom: log10 of the first-layer over the last-layer weight-gradient norm.
Median over seeds, band min–max; colour by activation (darker = larger n), line style by
depth, one column per init.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..machinery.labels import label as label_of
from ..machinery.tables import Tables
from .style import TEXT_WIDTH_IN, hue, init_order, save, setup, symlog_ticks
from .training_common import hidden_mean


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    layers = inputs.table("training.layers")
    layers = layers[layers["activation"].str.match(r"^tanh(_n[\d.]+)?$")].copy()
    keys = ["activation", "init", "depth", "seed", "step"]
    good = hidden_mean(layers, "frac_inside_t1")
    logd = hidden_mean(layers, "mean_log_deriv")
    first = layers[layers["layer"] == 1].set_index(keys)["grad_norm"]
    last = layers[layers["layer"] == layers["depth"] + 1].set_index(keys)["grad_norm"]
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = cast(pd.Series, np.log10(first / last))  # a ufunc keeps the Series
        ratio = log_ratio.rename("log10_ratio").reset_index()
    df = good.merge(logd, on=keys).merge(ratio, on=keys)
    df, kw = hue(df, "activation", "activation")
    df = df.replace([np.inf, -np.inf], np.nan)
    inits = init_order(df["init"])
    df["depth"] = df["depth"].map(lambda d: f"{d} layers")
    rows = [
        ("frac_inside_t1", "share |x| < t1(n)"),
        ("mean_log_deriv", "mean ln f′(x)"),
        ("log10_ratio", "log10 ‖∇W$_1$‖ / ‖∇W$_{out}$‖"),
    ]
    fig, axes = plt.subplots(
        len(rows),
        len(inits),
        figsize=(TEXT_WIDTH_IN, 5.6),
        sharex=True,
        squeeze=False,
        layout="constrained",
    )
    for j, init in enumerate(inits):
        sub = df[df["init"] == init]
        for i, (col, label) in enumerate(rows):
            ax = axes[i, j]
            data = sub.dropna(subset=[col])
            if isinstance(data, pd.DataFrame) and len(data):
                sns.lineplot(
                    data,
                    x="step",
                    y=col,
                    **kw,
                    style="depth",
                    estimator="median",
                    errorbar=("pi", 100),
                    ax=ax,
                    legend=(i == 0 and j == len(inits) - 1),
                )
            ax.set(ylabel=label if j == 0 else "", xlabel="SGD step" if i == len(rows) - 1 else "")
            if col == "mean_log_deriv" and df[col].abs().max() > 10:
                # Saturated nets reach ln f′ ≈ −10^5: symlog keeps the near-zero ones legible.
                ax.set_yscale("symlog", linthresh=1.0)
                # ln f′ ≤ ln n: no room above the data (autoscale left decades empty).
                ax.set_ylim(top=max(1.0, float(df[col].max())) * 1.5)
                symlog_ticks(ax, linthresh=1.0)
            if i == 0:
                ax.set_title(label_of(init, "init"))
    if axes[0, -1].get_legend() is not None:
        handles, names = axes[0, -1].get_legend_handles_labels()
        axes[0, -1].get_legend().remove()
        keep = [
            (h, n) for h, n in zip(handles, names, strict=True) if n not in ("activation", "depth")
        ]
        fig.legend(
            *zip(*keep, strict=True),
            loc="outside lower center",
            ncol=len(keep),
            fontsize=7,
            handlelength=2.2,
            columnspacing=1.0,
        )
    save(fig, outputs)
