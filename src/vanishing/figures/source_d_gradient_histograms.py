"""Training narrows every layer's gradient distribution; compare the first layer's
tails at the first step with the tutorial's ±0.025 (dotted). Every entry of ∂L/∂W_l in a
4-hidden-layer sigmoid net with N(0, 1) weights (rows: plain and truncated normal) on the
digits data, one panel per weight layer (layer 5 is the output layer), at the first SGD
step (light grey) and after training (black), pooled over seeds; each panel has its own
x-range and a log count axis, so that the tails show.

Drawn from results/studies/source_d/histograms.csv (counts on one bin grid per panel).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.ticker import MaxNLocator

from ..machinery.labels import label
from ..machinery.tables import Tables
from .style import TEXT_WIDTH_IN, ramp, save, setup


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    hist = inputs.table("source_d.hist")
    meta = inputs.json("source_d.meta")
    hist["gradient"] = (hist["bin_left"] + hist["bin_right"]) / 2
    last = int(hist["step"].max())
    hist["when"] = hist["step"].map({0: "step 0", last: f"after {last} SGD steps"})
    inits = list(dict.fromkeys(hist["init"]))
    layers = sorted(hist["layer"].unique())
    fig, axes = plt.subplots(
        len(inits),
        len(layers),
        figsize=(TEXT_WIDTH_IN, 1.5 * len(inits) + 0.8),
        squeeze=False,
        layout="constrained",
    )
    # step 0 light grey, after training black: greys, never an init's or activation's colour
    palette = dict(zip(hist["when"].unique(), ramp(2), strict=True))
    for r, init in enumerate(inits):
        for c, layer in enumerate(layers):
            ax = axes[r][c]
            panel = hist[(hist["init"] == init) & (hist["layer"] == layer)]
            edges = sorted(set(panel["bin_left"]) | set(panel["bin_right"]))
            sns.histplot(
                data=panel,
                x="gradient",
                weights="count",
                hue="when",
                bins=edges,
                element="step",
                fill=True,
                alpha=0.3,
                palette=palette,
                ax=ax,
                legend=(r == 0 and c == len(layers) - 1),
            )
            ax.set_yscale("log")
            tail = meta["tutorial_tail"]
            if edges[-1] > tail:
                for x in (-tail, tail):
                    ax.axvline(x, color="0.3", ls=":", lw=0.8)
            name = f"output (layer {layer})" if layer == layers[-1] else f"hidden layer {layer}"
            ax.set_title(name if r == 0 else "")
            ax.set_xlabel("∂L/∂W entry" if r == len(inits) - 1 else "")
            ax.set_ylabel(f"{label(init, 'init')}\ncount" if c == 0 else "")
            ax.xaxis.set_major_locator(MaxNLocator(nbins=2, symmetric=True))
    leg = axes[0][-1].get_legend()
    if leg is not None:
        handles, names = leg.legend_handles, [t.get_text() for t in leg.get_texts()]
        leg.remove()
        fig.legend(handles, names, loc="outside lower center", ncol=2)
    fig.suptitle(
        f"sigmoid, {meta['depth']} hidden layers × {meta['width']}, "
        f"digits ({meta['n_in']} inputs),\nbatch {meta['batch_size']}, lr {meta['lr']}, "
        f"{len(meta['seeds'])} seeds",
    )
    save(fig, outputs)
