"""How far each mapped tanh(x) run strays from the tanh(n·x) reference: |loss difference|
per step (log scale, largest over seeds; exact zeros drawn at 10⁻¹⁷), rows optimiser,
columns n. The derived mapping stays at floating-point rounding level (≤ 10⁻¹²) over the
whole run; Adam with the learning rate mapped but ε left unchanged drifts slowly.

Drawn from results/studies/equivalence/trajectories.csv.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from ..labels import label
from ..tables import Tables
from .style import save, setup

ORDER = ["same_lr", "lr_x_n", "lr_x_n2", "exact_eps_aside", "exact"]
FLOOR = 1e-17  # where exact agreement is drawn on the log axis


def gaps(traj: pd.DataFrame) -> pd.DataFrame:
    keys = ["optimizer", "n", "seed", "step"]
    ref = traj[traj["mapping"] == "reference"].set_index(keys)["loss"]
    mapped = traj[traj["mapping"] != "reference"].copy()
    mapped["gap"] = (
        mapped["loss"].to_numpy()
        - ref.loc[list(mapped[keys].itertuples(index=False, name=None))].to_numpy()
    )
    mapped["gap"] = mapped["gap"].abs().fillna(float("inf")).clip(lower=FLOOR)
    return mapped.groupby(["optimizer", "n", "mapping", "step"], as_index=False)["gap"].max()


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    traj = inputs.table("equivalence.trajectories")
    g = gaps(traj)
    opts = list(dict.fromkeys(traj["optimizer"]))
    ns = sorted(g["n"].unique())
    g = g.assign(mapping=g["mapping"].map(lambda m: label(m, "mapping")))
    mappings = [label(m, "mapping") for m in ORDER if label(m, "mapping") in set(g["mapping"])]
    palette = dict(zip(mappings, sns.color_palette("colorblind", len(mappings)), strict=True))
    fig, axes = plt.subplots(
        len(opts),
        len(ns),
        figsize=(2.8 * len(ns), 1.6 * len(opts) + 0.4),
        squeeze=False,
        sharex=True,
        sharey=True,
    )
    for r, opt in enumerate(opts):
        for c, n in enumerate(ns):
            ax = axes[r][c]
            sns.lineplot(
                data=g[(g["optimizer"] == opt) & (g["n"] == n)],
                x="step",
                y="gap",
                hue="mapping",
                hue_order=mappings,
                palette=palette,
                style="mapping",
                style_order=mappings,
                ax=ax,
                legend=(r == 0 and c == len(ns) - 1),
            )
            ax.set_yscale("log")
            ax.set_title(f"{label(opt, 'optimizer')}, n = {n:g}")
            ax.set_ylabel("max |Δ loss|" if c == 0 else "")
            ax.set_xlabel("step" if r == len(opts) - 1 else "")
    if axes[0][-1].get_legend() is not None:
        sns.move_legend(axes[0][-1], "upper left", bbox_to_anchor=(1.02, 1), fontsize=7)
    fig.tight_layout()
    save(fig, outputs)
