"""Under an init that does not match the activation the layers near the input barely
learn, some not at all, while under a matched init every layer moves. At the deepest
trained depth, for each activation: update:weight ratio ‖ΔW‖/‖W‖ of the mini-batch SGD
step (median over logged steps, then over seeds; band = range over seeds; upper rows), and
relative change from initialisation ‖W_T − W_0‖/‖W_0‖ at the end (lower rows). x: layer,
1 = input side, the last point is the output layer; colour: init.

A layer whose curve sits decades below the others barely learns. A value of exactly 0 (a
layer that never moved: its gradient was exactly zero at every step) is drawn on a
bottom line marked "0".
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, cast

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..machinery.labels import label
from ..machinery.tables import Tables
from .style import (
    TEXT_WIDTH_IN,
    activation_order,
    init_color,
    init_order,
    log_range,
    save,
    setup,
    zero_floor,
)

COLUMNS = 5  # activations per row; the update ratios above, the changes below


def _profile(df: pd.DataFrame, col: str) -> pd.DataFrame:
    """Median over seeds and its range, per (activation, init, layer)."""
    return (
        df.groupby(["activation", "init", "layer"])[col]
        .agg(median="median", lo="min", hi="max")
        .reset_index()
    )


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    layers = inputs.table("training.layers")
    depth = int(layers["depth"].max())
    deep = layers[layers["depth"] == depth]
    # as_index=False: a frame with the keys as columns (the stubs say a Series)
    upd = cast(
        pd.DataFrame,
        deep[deep["step"] > 0]
        .groupby(["activation", "init", "seed", "layer"], as_index=False)["update_ratio"]
        .median(),
    )
    fin = deep[deep["step"] == deep["step"].max()]
    quantities = [
        (_profile(upd, "update_ratio"), "update\n‖ΔW‖ / ‖W‖"),
        (_profile(fin, "rel_change"), "change from init\n‖W$_T$ − W$_0$‖ / ‖W$_0$‖"),
    ]
    acts = activation_order(layers["activation"])
    inits = init_order(layers["init"])
    cols = min(COLUMNS, len(acts))
    block = math.ceil(len(acts) / cols)  # rows per quantity
    fig, axes = plt.subplots(
        2 * block,
        cols,
        figsize=(TEXT_WIDTH_IN, 1.1 * 2 * block + 0.9),
        sharex=True,
        squeeze=False,
        layout="constrained",
    )
    for q, (prof, ylabel) in enumerate(quantities):
        # One decade below the smallest moved layer: where exact zeros are drawn.
        floor, top, zeros = log_range(prof[["median", "lo", "hi"]].to_numpy())
        for k in range(block * cols):
            ax = axes[q * block + k // cols, k % cols]
            if k >= len(acts):
                ax.axis("off")
                continue
            act = acts[k]
            for init in inits:
                d = prof[(prof["activation"] == act) & (prof["init"] == init)].sort_values("layer")
                if d.empty:
                    continue
                c = init_color(init)
                lo, hi, med = (d[s].clip(lower=floor) for s in ("lo", "hi", "median"))
                ax.fill_between(d["layer"], lo, hi, color=c, alpha=0.2, lw=0)
                ax.plot(d["layer"], med, color=c, lw=1.2, label=label(init, "init"))
            ax.set_yscale("log")
            ax.set_ylim(floor / 2 if zeros else floor * 3, top)
            if zeros:
                zero_floor(ax, floor)
            ax.set_title(label(act, "activation"))
            ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
            if k % cols == 0:
                ax.set_ylabel(ylabel)
            else:
                ax.tick_params(labelleft=False)
            if q == 1 and (k + cols >= len(acts)):
                ax.set_xlabel("layer")
                ax.tick_params(labelbottom=True)
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, names, title="init", loc="outside lower center", ncol=len(inits))
    fig.suptitle(f"{depth} hidden layers; the output layer is layer {depth + 1}")
    save(fig, outputs)
