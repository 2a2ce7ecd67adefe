"""Per-layer view of training at the deepest grid depth. Top: update:weight ratio
‖ΔW‖/‖W‖ of the minibatch SGD step, median over logged steps and seeds, per layer
(1 = input side). Bottom: relative change from initialisation ‖W_T − W_0‖/‖W_0‖ at
the end. One column per activation, colour by init.

A layer whose ratio sits decades below the others barely learns; the output layer
is the last point on the right.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ..tables import Tables
from .style import save, setup

FLOOR = 1e-12  # exact zeros (a layer that never moved) are drawn at this level


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    layers = inputs.table("training.layers")
    depth = layers["depth"].max()
    deep = layers[layers["depth"] == depth]
    upd = (
        deep[deep["step"] > 0]
        .groupby(["activation", "init", "seed", "layer"], as_index=False)["update_ratio"]
        .median()
    )
    fin = deep[deep["step"] == deep["step"].max()].copy()
    upd["update_ratio"] = np.clip(upd["update_ratio"], FLOOR, None)
    fin["rel_change"] = np.clip(fin["rel_change"], FLOOR, None)
    acts = list(dict.fromkeys(layers["activation"]))
    # Fixed order: seaborn would otherwise assign colours per panel by appearance.
    inits = list(dict.fromkeys(layers["init"]))
    fig, axes = plt.subplots(
        2, len(acts), figsize=(2.2 * len(acts), 4.6), sharex=True, squeeze=False
    )
    for j, act in enumerate(acts):
        for i, (df, col, label) in enumerate(
            [(upd, "update_ratio", "‖ΔW‖/‖W‖ per step"), (fin, "rel_change", "‖W_T − W_0‖/‖W_0‖")]
        ):
            ax = axes[i, j]
            sns.lineplot(
                df[df["activation"] == act],
                x="layer",
                y=col,
                hue="init",
                hue_order=inits,
                estimator="median",
                errorbar=("pi", 100),
                ax=ax,
                legend=(i == 0 and j == 0),
            )
            ax.set(yscale="log", xlabel="layer" if i else "", ylabel=label if j == 0 else "")
            if i == 0:
                ax.set_title(act)
    fig.suptitle(f"{depth} hidden layers", y=1.01)
    save(fig, outputs)
