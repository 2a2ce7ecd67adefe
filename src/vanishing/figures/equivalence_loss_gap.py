"""The derived mapping stays at floating-point rounding level over the whole run, while
every other mapping strays from the tanh(n·x) reference within a few steps; Adam's exact
map with ε left unscaled stays in between. |Loss difference| between each mapped tanh(x) run and the
reference per step (log scale, largest over seeds; exact zeros drawn at 10⁻¹⁷); lines as in
the loss-curve figure. Rows: optimiser; columns: n (n = 1 is the identity and is left out).

Drawn from results/studies/equivalence/trajectories.csv.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import matplotlib.pyplot as plt
import pandas as pd

from ..machinery.labels import label
from ..machinery.tables import Tables
from .equivalence_loss_curves import MARKS, mapping_styles, nontrivial_ns
from .style import TEXT_WIDTH_IN, save, setup, shared_legend

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
    # as_index=False: a frame with the keys as columns (the stubs say a Series)
    keys = ["optimizer", "n", "mapping", "step"]
    return cast(pd.DataFrame, mapped.groupby(keys, as_index=False)["gap"].max())


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    traj = inputs.table("equivalence.trajectories")
    g = gaps(traj)
    opts = list(dict.fromkeys(traj["optimizer"]))
    ns = nontrivial_ns(g)
    styles = mapping_styles(set(g["mapping"]))
    fig, axes = plt.subplots(
        len(opts),
        len(ns),
        figsize=(TEXT_WIDTH_IN, 1.45 * len(opts) + 0.7),
        squeeze=False,
        sharex=True,
        sharey=True,
        layout="constrained",
    )
    for r, opt in enumerate(opts):
        for c, n in enumerate(ns):
            ax = axes[r][c]
            panel = g[(g["optimizer"] == opt) & (g["n"] == n)]
            for m, style in styles.items():
                line = panel[panel["mapping"] == m].sort_values("step")
                if line.empty:
                    continue
                ax.plot(
                    line["step"],
                    line["gap"],
                    lw=1.0,
                    ms=3,
                    markevery=max(1, len(line) // MARKS),
                    label=label(m, "mapping"),
                    **style,
                )
            ax.set_yscale("log")
            ax.set_title(f"{label(opt, 'optimizer')}, n = {n:g}")
            ax.set_ylabel("max |Δ loss|" if c == 0 else "")
            ax.set_xlabel("step" if r == len(opts) - 1 else "")
    shared_legend(fig, axes.flat, "tanh(x) net, learning rate mapped by")
    save(fig, outputs)
