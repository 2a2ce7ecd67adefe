"""Where the weight gradient falls or rises across the layers depends on the activation as
much as on the init: for the homogeneous activations (the ReLU family, |x|, linear) it
is level under every init, as Section 2.3 derives, while for the saturating ones the
init decides. Weight-gradient norm ‖∂L/∂W‖ per layer at initialisation (1 = input side),
one panel per activation with its own log scale; colour and line style: init; line
median over seeds, band range over seeds.

A line falling towards layer 1 is a vanishing gradient, a rising one an exploding
gradient. Xavier (dotted) and LeCun (dash-dot) give square hidden layers the same
variance, so their lines overlap except at the first and last layers. Exact zeros (the
all-zero init) are drawn on a bottom line marked "0".
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from ..machinery.labels import label
from ..machinery.tables import Tables
from .style import (
    INIT_DASHES,
    TEXT_WIDTH_IN,
    activation_order,
    init_color,
    init_order,
    log_range,
    save,
    setup,
    zero_floor,
)

COLUMNS = 4


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("probe.layers")
    depth = int(df["depth"].max())
    sub = df[df["depth"] == depth]
    prof = (
        sub.groupby(["activation", "init", "layer"])["grad_norm"]
        .agg(median="median", lo="min", hi="max")
        .reset_index()
    )
    acts = activation_order(prof["activation"])
    inits = init_order(prof["init"])
    cols = min(COLUMNS, len(acts))
    rows = math.ceil(len(acts) / cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(TEXT_WIDTH_IN, 1.3 * rows + 0.9),
        sharex=True,
        squeeze=False,
        layout="constrained",
    )
    for k, ax in enumerate(axes.flat):
        if k >= len(acts):
            ax.axis("off")
            continue
        p = prof[prof["activation"] == acts[k]]
        floor, top, zeros = log_range(p[["median", "lo", "hi"]].to_numpy())
        for init in inits:
            d = p[p["init"] == init].sort_values("layer")
            if d.empty:
                continue
            c = init_color(init)
            lo, hi, med = (d[s].clip(lower=floor) for s in ("lo", "hi", "median"))
            ax.fill_between(d["layer"], lo, hi, color=c, alpha=0.15, lw=0)
            (line,) = ax.plot(d["layer"], med, color=c, lw=1.3, label=label(init, "init"))
            if INIT_DASHES.get(init):
                line.set_dashes(INIT_DASHES[init])
        ax.set_yscale("log")
        ax.set_ylim(floor / 3 if zeros else floor * 3, top)
        if zeros:
            zero_floor(ax, floor)
        ax.set_title(label(acts[k], "activation"))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        ax.set_xlabel("layer" if k + cols >= len(acts) else "")
        ax.set_ylabel("‖∂L/∂W‖" if k % cols == 0 else "")
    handles, names = [], []
    for ax in axes.flat:
        for h, n in zip(*ax.get_legend_handles_labels(), strict=True):
            if n not in names:
                handles.append(h)
                names.append(n)
    fig.legend(handles, names, title="init", loc="outside lower center", ncol=4, handlelength=3)
    fig.suptitle(f"Depth {depth} (the grid's deepest): gradient norm per layer at initialisation")
    save(fig, outputs)
