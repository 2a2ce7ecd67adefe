"""Training loss of the tanh(n·x) net (θ, learning rate η; black) and of the tanh(x) net
started at the corresponding point u = n·θ on the hidden layers, under four learning-rate
mappings (rows: optimiser; columns: n; mean over seeds). Only the derived mapping ("exact":
hidden lr × n² for GD/SGD; hidden lr × n and ε / n for Adam, output layer unchanged) lies on
the reference for every n; keeping η, or multiplying it by n or n² everywhere, does not.

Drawn from results/studies/equivalence/trajectories.csv.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import seaborn as sns

from ..labels import label
from ..tables import Tables
from .style import save, setup

ORDER = ["same_lr", "lr_x_n", "lr_x_n2", "exact_eps_aside", "exact"]


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    traj = inputs.table("equivalence.trajectories")
    opts = list(dict.fromkeys(traj["optimizer"]))
    ns = sorted(traj["n"].unique())
    traj = traj.assign(mapping=traj["mapping"].map(lambda m: label(m, "mapping")))
    mappings = [label(m, "mapping") for m in ORDER if label(m, "mapping") in set(traj["mapping"])]
    palette = dict(zip(mappings, sns.color_palette("colorblind", len(mappings)), strict=True))
    fig, axes = plt.subplots(
        len(opts),
        len(ns),
        figsize=(2.8 * len(ns), 1.6 * len(opts) + 0.4),
        squeeze=False,
        sharex=True,
    )
    for r, opt in enumerate(opts):
        for c, n in enumerate(ns):
            ax = axes[r][c]
            panel = traj[(traj["optimizer"] == opt) & (traj["n"] == n)]
            ref = (
                panel[panel["mapping"] == label("reference", "mapping")]
                .groupby("step")["loss"]
                .mean()
            )
            ax.plot(
                ref.index,
                ref.values,
                color="black",
                lw=3.5,
                alpha=0.35,
                label="tanh(n·x), η (reference)",
            )
            mapped = panel[panel["mapping"] != label("reference", "mapping")]
            sns.lineplot(
                data=mapped,
                x="step",
                y="loss",
                hue="mapping",
                hue_order=mappings,
                palette=palette,
                style="mapping",
                style_order=mappings,
                errorbar=None,
                lw=1.1,
                ax=ax,
                legend=(r == 0 and c == len(ns) - 1),
            )
            ax.set_title(f"{label(opt, 'optimizer')}, n = {n:g}")
            ax.set_ylabel("training loss" if c == 0 else "")
            ax.set_xlabel("step" if r == len(opts) - 1 else "")
    if axes[0][-1].get_legend() is not None:
        handles, labels = axes[0][-1].get_legend_handles_labels()
        axes[0][-1].get_legend().remove()
        fig.legend(
            handles,
            labels,
            loc="upper left",
            bbox_to_anchor=(1.0, 0.95),
            fontsize=7,
            title="tanh(x) net, u₀ = n·θ₀",
        )
    fig.tight_layout()
    save(fig, outputs)
