"""Dead units in the ReLU family during training. Left panels, one per depth: share of
hidden units silent (pre-activation ≤ 0) on every monitored training example, against
the SGD step; line = median over all networks of that activation and depth (every init
and seed), bar at the right end = their range at the last step. Right: of the units
that were dead at some logged step, the share active again at a later one (revived);
the number above a bar is how many units were ever dead, "none" means no unit died.

For ReLU a silent unit receives an exactly-zero gradient; leaky ReLU, PReLU, ELU and
NecroReLU pass a gradient through negative inputs, so their silent units can still move.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from ..labels import label
from ..tables import Tables
from .style import activation_color, save, setup
from .training_common import hidden_mean

FAMILY = ["relu", "leaky_relu0.1", "leaky_relu", "prelu", "elu", "necro_relu"]


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    layers, units = inputs.table("training.layers"), inputs.table("training.units")
    acts = [a for a in FAMILY if a in set(layers["activation"])]
    dead = hidden_mean(layers[layers["activation"].isin(acts)], "dead_frac")
    units = units[units["activation"].isin(acts)]
    rev = units.groupby(["activation", "depth"], as_index=False)[["revived", "ever_dead"]].sum()
    depths = sorted(dead["depth"].unique())
    n_nets = dead.groupby(["activation", "depth"])[["init", "seed"]].apply(
        lambda d: len(d.drop_duplicates())
    )
    fig, axes = plt.subplots(
        1,
        len(depths) + 1,
        figsize=(2.3 * len(depths) + 2.6, 2.7),
        layout="constrained",
        gridspec_kw={"width_ratios": [1] * len(depths) + [1.3]},
    )
    top = max(0.05, float(dead["dead_frac"].max()) * 1.08)
    for ax, depth in zip(axes[:-1], depths, strict=True):
        d = dead[dead["depth"] == depth]
        last = d["step"].max()
        for k, act in enumerate(acts):
            a = d[d["activation"] == act]
            med = a.groupby("step")["dead_frac"].median()
            c = activation_color(act)
            ax.plot(
                med.index,
                med.values,
                color=c,
                lw=1.4,
                marker="o",
                ms=2.5,
                label=label(act, "activation"),
            )
            end = a[a["step"] == last]["dead_frac"]
            # The final range, dodged right of the last step so the bars do not overlap.
            x = last * (1.03 + 0.035 * k)
            ax.plot([x, x], [end.min(), end.max()], color=c, lw=2.2, solid_capstyle="butt")
        ax.set(
            title=f"depth {depth}",
            xlabel="SGD step",
            ylim=(-0.01, top),
            xlim=(-0.02 * last, last * (1.06 + 0.035 * len(acts))),
        )
        ax.set_ylabel("dead fraction" if ax is axes[0] else "")
    ax = axes[-1]
    width = 0.8 / len(acts)
    for k, act in enumerate(acts):
        r = rev[rev["activation"] == act].set_index("depth").reindex(depths)
        x = np.arange(len(depths)) + (k - (len(acts) - 1) / 2) * width
        ever = r["ever_dead"].fillna(0).to_numpy()
        share = np.where(ever > 0, r["revived"].to_numpy() / np.maximum(ever, 1), 0.0)
        ax.bar(x, share, width=width * 0.95, color=activation_color(act))
        for xi, s, e in zip(x, share, ever, strict=True):
            ax.text(
                xi,
                s + 0.01,
                f"{int(e)}" if e > 0 else "none",
                ha="center",
                va="bottom",
                rotation=90,
                fontsize=7,
            )
    ax.set_xticks(np.arange(len(depths)), [str(d) for d in depths])
    ax.set(
        title="revived / ever dead",
        xlabel="depth",
        ylabel="share of ever-dead units",
        ylim=(0, 1.15),
    )
    nets = ", ".join(f"{n}" for n in sorted(set(n_nets.values)))
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(
        handles,
        names,
        loc="outside lower center",
        ncol=len(acts),
        title=f"activation ({nets} networks each per depth)",
    )
    save(fig, outputs)
