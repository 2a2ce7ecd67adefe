"""Plain ReLU does not learn XOR better than its variants: in the narrowest nets it
solves it for the fewest seeds, and wider nets solve it for most seeds whatever the
activation. Share of seeds whose 2-input MLP classifies all four XOR points correctly,
per activation (bars, with 95 % Wilson intervals), for each hidden width and optimiser;
full-batch training on the four points, the same seeds for every bar.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ..machinery.labels import label
from ..machinery.tables import Tables
from .style import activation_color, activation_order, labels_of, panel_grid, save, setup


def wilson(k: float, n: float, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return math.nan, math.nan
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return mid - half, mid + half


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("xor.runs")
    acts = activation_order(df["activation"])
    panels = list(df.groupby(["optimizer", "width"], sort=True))
    fig, axes = panel_grid(len(panels), 2.6, 2.6, extra_w=0.6, sharey=True)
    for ax, ((opt, width), g) in zip(axes.flat, panels, strict=False):
        agg = g.groupby("activation")["success"].agg(["sum", "count"]).reindex(acts)
        rate = agg["sum"] / agg["count"]
        ci = np.array([wilson(k, n) for k, n in zip(agg["sum"], agg["count"], strict=True)])
        err = np.vstack([rate - ci[:, 0], ci[:, 1] - rate])
        ax.bar(
            range(len(acts)), rate, yerr=err, capsize=2, color=[activation_color(a) for a in acts]
        )
        ax.set_xticks(range(len(acts)), labels_of(acts, "activation"), rotation=45, ha="right")
        ax.set_title(f"{label(opt, 'optimizer')}, width {width}, {int(agg['count'].iloc[0])} seeds")
        ax.set_ylim(0, 1.05)
    for ax in axes[:, 0]:
        ax.set_ylabel("XOR solved (share of seeds)")
    save(fig, outputs)
