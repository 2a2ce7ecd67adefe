"""Which networks train at all depends on the init as much as on the activation, and
deeper nets fail under more inits. Training loss (cross-entropy on the whole digits
training split) over SGD steps, median over seeds; one panel per activation, colour by
initialisation, line style by depth. Each panel has the same log scale.

Same learning rate, batch size, seeds and minibatch order everywhere, so the
panels differ only by activation, init and depth; runs that diverged are drawn at
the top edge.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.ticker import FormatStrFormatter, LogLocator, MaxNLocator, NullFormatter

from ..machinery.labels import label
from ..machinery.tables import Tables
from .style import TEXT_WIDTH_IN, activation_order, init_color, init_order, save, setup
from .training_common import finite_loss


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    steps = finite_loss(inputs.table("training.steps"))
    acts = activation_order(steps["activation"])
    inits = init_order(steps["init"])
    depths = sorted(steps["depth"].unique())
    med = steps.groupby(["activation", "init", "depth", "step"], as_index=False)["loss"].median()
    cols = min(5, len(acts))
    rows = math.ceil(len(acts) / cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(TEXT_WIDTH_IN, 1.3 * rows + 0.9),
        sharex=True,
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    dashes: list[tuple[float, ...]] = [(), (4, 1.5), (1.2, 1.2), (5, 1.5, 1, 1.5)]
    # Labelled ticks per decade from the shared y range: six fit in one decade; over
    # five decades (a diverging net next to a near-zero loss) only the powers of ten do.
    pos = med["loss"][med["loss"] > 0]
    decades = math.log10(pos.max() / pos.min()) if len(pos) else 1.0
    subs = (
        (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)
        if decades <= 1.5
        else (1.0, 2.0, 5.0)
        if decades <= 3
        else (1.0,)
    )
    for k, ax in enumerate(axes.flat):
        if k >= len(acts):
            ax.axis("off")
            continue
        for init in inits:
            for j, depth in enumerate(depths):
                d = med[
                    (med["activation"] == acts[k]) & (med["init"] == init) & (med["depth"] == depth)
                ]
                (line,) = ax.plot(d["step"], d["loss"], color=init_color(init), lw=1.2)
                if dashes[j % len(dashes)]:
                    line.set_dashes(dashes[j % len(dashes)])
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(subs=subs, numticks=12))
        ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_title(label(acts[k], "activation"))
        ax.set_xlabel("SGD step" if k + cols >= len(acts) else "")
        ax.set_ylabel("training loss" if k % cols == 0 else "")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
    handles = [Line2D([], [], color=init_color(i), lw=1.4, label=label(i, "init")) for i in inits]
    for j, depth in enumerate(depths):
        h = Line2D([], [], color="0.3", lw=1.2, label=f"{depth} hidden layers")
        if dashes[j % len(dashes)]:
            h.set_dashes(dashes[j % len(dashes)])
        handles.append(h)
    fig.legend(handles=handles, loc="outside lower center", ncol=3, handlelength=3)
    save(fig, outputs)
