"""Only the derived learning-rate mapping makes the tanh(x) net train exactly like the
tanh(n·x) net; keeping the learning rate or multiplying every one by n or n² does not.
Training loss (mean over seeds) of the tanh(n·x) net ("tanh(n·x) net, η": parameters θ,
learning rate η; broad light grey band) and of the tanh(x) net started at u = n·θ on the
hidden layers under each mapping, in black and greys told apart by dash and marker: "same
lr", "lr × n", "lr × n²", "exact map" (hidden lr × n² for GD and SGD, hidden lr × n and
ε / n for Adam; output layer unchanged) and, for Adam, "exact map, ε unscaled". Rows:
optimiser; columns: n (n = 1 is the identity and is left out).

Drawn from results/studies/equivalence/trajectories.csv.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from ..machinery.labels import label
from ..machinery.tables import Tables
from .style import TEXT_WIDTH_IN, levels, save, setup, shared_legend

ORDER = ["same_lr", "lr_x_n", "lr_x_n2", "exact_eps_aside", "exact"]
REFERENCE = {"color": "0.8", "lw": 4.5, "solid_capstyle": "round"}
MARKS = 8  # markers per line: enough to tell the lines apart, few enough not to hide them


def mapping_styles(present: set[str]) -> dict[str, dict[str, Any]]:
    """Line keywords per mapping in ORDER, from style.levels (greys, dashes, markers),
    the same in this figure and in equivalence_loss_gap."""
    # The exact map comes first so that it takes black and a solid line: it is the one
    # drawn on the reference band and must stay visible there.
    first = [m for m in ("exact", *ORDER) if m in present]
    styles = levels(dict.fromkeys(first))
    return {m: styles[m] for m in ORDER if m in styles}


def nontrivial_ns(df: pd.DataFrame) -> list[float]:
    """The n's worth a column: n = 1 maps tanh(x) to itself, so every mapping is the
    reference there and its panels carry nothing."""
    return sorted(n for n in df["n"].unique() if n != 1)


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    traj = inputs.table("equivalence.trajectories")
    opts = list(dict.fromkeys(traj["optimizer"]))
    ns = nontrivial_ns(traj)
    styles = mapping_styles(set(traj["mapping"]))
    fig, axes = plt.subplots(
        len(opts),
        len(ns),
        figsize=(TEXT_WIDTH_IN, 1.45 * len(opts) + 0.7),
        squeeze=False,
        sharex=True,
        layout="constrained",
    )
    for r, opt in enumerate(opts):
        for c, n in enumerate(ns):
            ax = axes[r][c]
            panel = traj[(traj["optimizer"] == opt) & (traj["n"] == n)]
            mean = panel.groupby(["mapping", "step"])["loss"].mean()
            ref = mean.loc["reference"]
            ax.plot(
                ref.index, ref.to_numpy(), label=f"{label('reference', 'mapping')}, η", **REFERENCE
            )
            for m, style in styles.items():
                if m not in mean.index.get_level_values(0):
                    continue
                line = mean.loc[m]
                ax.plot(
                    line.index,
                    line.to_numpy(),
                    lw=1.0,
                    ms=3,
                    markevery=max(1, len(line) // MARKS),
                    label=label(m, "mapping"),
                    **style,
                )
            ax.set_title(f"{label(opt, 'optimizer')}, n = {n:g}")
            ax.set_ylabel("training loss" if c == 0 else "")
            ax.set_xlabel("step" if r == len(opts) - 1 else "")
    shared_legend(fig, axes.flat, "tanh(x) net started at u₀ = n·θ₀, learning rate mapped by")
    save(fig, outputs)
