"""Dead units in the ReLU family. Left: share of hidden units silent (pre-activation
≤ 0) on every monitored training example, over SGD steps (mean over hidden layers,
median over seeds and inits), by depth. Right: of the units that were ever dead at
a logged step, the share that was active again at a later one (revivals).

For ReLU a silent unit receives an exactly-zero gradient; leaky ReLU, PReLU, ELU
and NecroReLU pass a gradient through negative inputs, so their silent units can
still move.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import seaborn as sns

from ..tables import Tables
from .style import save, setup
from .training_common import hidden_mean

FAMILY = ["relu", "leaky_relu0.1", "leaky_relu", "prelu", "elu", "necro_relu"]


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    layers, units = inputs.table("training.layers"), inputs.table("training.units")
    acts = [a for a in FAMILY if a in set(layers["activation"])]
    dead = hidden_mean(layers[layers["activation"].isin(acts)], "dead_frac")
    units = units[units["activation"].isin(acts)]
    rev = units.groupby(["activation", "depth"], as_index=False)[["revived", "ever_dead"]].sum()
    rev["revived_share"] = rev["revived"] / rev["ever_dead"].where(rev["ever_dead"] > 0)
    depths = sorted(dead["depth"].unique())
    fig, axes = plt.subplots(
        1, len(depths) + 1, figsize=(3.2 * (len(depths) + 1), 2.8), layout="constrained"
    )
    for ax, depth in zip(axes[:-1], depths, strict=True):
        sns.lineplot(
            dead[dead["depth"] == depth],
            x="step",
            y="dead_frac",
            hue="activation",
            hue_order=acts,
            estimator="median",
            errorbar=("pi", 100),
            ax=ax,
            legend=ax is axes[0],
        )
        ax.set(title=f"depth {depth}", xlabel="SGD step", ylabel="dead fraction")
    sns.barplot(
        rev,
        x="depth",
        y="revived_share",
        hue="activation",
        hue_order=acts,
        ax=axes[-1],
        legend=False,
    )
    axes[-1].set(title="revived / ever dead", xlabel="depth", ylabel="share")
    save(fig, outputs)
