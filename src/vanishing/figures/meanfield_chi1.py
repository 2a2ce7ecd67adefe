"""Mean-field prediction ½·ln χ1 of the per-layer slope of ln‖δ‖ (towards the input) against
the slope measured in the probe grid's deepest networks (mean ± sd over seeds), one point per
activation × init (zero init left out: its gradient is exactly 0). Left: χ1 at the fixed point
q*; right: χ1 followed layer by layer from the input's variance. Dashed: identity.

Points above the diagonal's zero explode, below it vanish; theory and measurement share the
sign wherever they fall in the same quadrant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ..tables import Tables
from .style import save, setup


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("meanfield.comparison")
    df = df[np.isfinite(df["pred_slope_qstar"]) & np.isfinite(df["measured_slope"])]
    deep = df[df["depth"] == df["depth"].max()]
    agg = deep.groupby(["activation", "init"], as_index=False).agg(
        measured=("measured_slope", "mean"),
        sd=("measured_slope", "std"),
        qstar=("pred_slope_qstar", "first"),
        trajectory=("pred_slope_trajectory", "first"),
    )
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.8), sharey=True)
    lo = float(np.nanmin(agg[["measured", "qstar", "trajectory"]].to_numpy())) - 0.1
    hi = float(np.nanmax(agg[["measured", "qstar", "trajectory"]].to_numpy())) + 0.1
    for ax, col, title in zip(
        axes, ["qstar", "trajectory"], ["χ1 at q*", "χ1 along the layers"], strict=True
    ):
        ax.errorbar(
            agg[col],
            agg["measured"],
            yerr=agg["sd"].fillna(0),
            fmt="none",
            ecolor="0.6",
            lw=0.8,
            zorder=1,
        )
        sns.scatterplot(
            data=agg,
            x=col,
            y="measured",
            hue="activation",
            style="init",
            ax=ax,
            s=40,
            zorder=2,
            legend=ax is axes[1],
        )
        ax.plot([lo, hi], [lo, hi], ls="--", color="0.3", lw=0.8)
        ax.axhline(0, color="0.7", lw=0.6)
        ax.axvline(0, color="0.7", lw=0.6)
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_title(title)
        ax.set_xlabel("predicted ½·ln χ1 per layer")
    axes[0].set_ylabel(f"measured slope of ln‖δ‖ (depth {int(deep['depth'].max())})")
    sns.move_legend(axes[1], "upper left", bbox_to_anchor=(1.02, 1), fontsize=6, ncol=2)
    fig.tight_layout()
    save(fig, outputs)
