"""A share of the ReLU family's units dies in training, larger in deeper nets, and many of
the units that die come back later, so "once dead, dead for good" does not hold in
training. Top, one panel per depth: share of hidden units silent (pre-activation ≤ 0) on
every monitored training example against the SGD step, median over all networks of that
activation and depth (every init and seed). Bottom left: its median and range over those
networks at the last step. Bottom right: of the units dead at some logged step, the
share active again at a later one, with how many units were ever dead.

For ReLU a silent unit receives an exactly-zero gradient; leaky ReLU, PReLU, ELU and
NecroReLU pass a gradient through negative inputs, so their silent units can still move.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from ..machinery.labels import label
from ..machinery.tables import Tables
from .style import TEXT_WIDTH_IN, activation_color, save, setup
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
    first, last = int(dead["step"].min()), int(dead["step"].max())
    fig = plt.figure(figsize=(TEXT_WIDTH_IN, 4.9), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.25])
    curves = top.subplots(1, len(depths), sharey=True, squeeze=False)[0]
    ends, revived = bottom.subplots(1, 2, width_ratios=[1, 1.3])
    medians = dead.groupby(["activation", "depth", "step"])["dead_frac"].median()
    ymax = max(0.05, float(medians.max()) * 1.1)
    for ax, depth in zip(curves, depths, strict=True):
        d = dead[dead["depth"] == depth]
        for act in acts:
            med = d[d["activation"] == act].groupby("step")["dead_frac"].median()
            ax.plot(
                med.index,
                med.to_numpy(),
                color=activation_color(act),
                lw=1.3,
                marker="o",
                ms=2,
                label=label(act, "activation"),
            )
        # The run's own step range: an axis past the last step would show steps never run.
        ax.set(title=f"depth {depth}", xlabel="SGD step", xlim=(first, last), ylim=(-0.01, ymax))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    curves[0].set_ylabel("dead fraction\n(median)")
    # The spread over networks at the last step, beside each other per depth.
    width = 0.8 / len(acts)
    for k, act in enumerate(acts):
        colour = activation_color(act)
        for j, depth in enumerate(depths):
            end = dead[
                (dead["depth"] == depth) & (dead["activation"] == act) & (dead["step"] == last)
            ]
            x = j + (k - (len(acts) - 1) / 2) * width
            v = end["dead_frac"]
            ax_ = ends
            ax_.plot([x, x], [v.min(), v.max()], color=colour, lw=2.2, solid_capstyle="butt")
            ax_.plot([x], [v.median()], "o", color=colour, mec="white", mew=0.5, ms=3.5)
    ends.set_xticks(range(len(depths)), [str(d) for d in depths])
    ends.set(xlabel="depth", ylabel=f"dead fraction at step {last}", ylim=(-0.02, 1.02))
    ends.set_title("median and range over networks")
    # Revived share as horizontal bars, the count of ever-dead units written beside each.
    y = 0.0
    ticks = []
    for depth in depths:
        ticks.append((y + (len(acts) - 1) / 2, f"depth {depth}"))
        for act in acts:
            r = rev[(rev["activation"] == act) & (rev["depth"] == depth)]
            ever = int(r["ever_dead"].sum())
            share = float(r["revived"].sum()) / ever if ever else 0.0
            revived.barh(y, share, height=0.85, color=activation_color(act))
            text = f"{100 * share:.0f} % of {ever:,}" if ever else "none died"
            revived.text(share + 0.02, y, text, va="center", fontsize=7)
            y += 1
        y += 0.8
    revived.set_yticks([t for t, _ in ticks], [n for _, n in ticks])
    revived.set_ylim(y - 0.3, -0.9)
    revived.set(xlim=(0, 1.35), xlabel="share of ever-dead units revived")
    revived.set_xticks([0, 0.5, 1], ["0", "50 %", "100 %"])
    revived.set_title("revived / ever dead")
    revived.grid(axis="y", visible=False)
    nets = ", ".join(f"{n}" for n in sorted(set(n_nets.values)))
    handles, names = curves[0].get_legend_handles_labels()
    top.legend(
        handles,
        names,
        loc="outside lower center",
        ncol=len(acts),
        fontsize=7,
        title=f"activation ({nets} networks each per depth)",
        handlelength=1.5,
        columnspacing=1.0,
    )
    save(fig, outputs)
