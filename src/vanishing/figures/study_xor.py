"""Share of seeds whose 2-input MLP classifies all four XOR points correctly,
per activation (bars, with 95 % Wilson intervals), for each hidden width and
optimiser. Full-batch training on the four points, same seeds for every bar.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from ..tables import Tables
from .style import save, setup


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
    acts = list(dict.fromkeys(df["activation"]))
    panels = list(df.groupby(["optimizer", "width"], sort=True))
    fig, axes = plt.subplots(
        1, len(panels), figsize=(3.4 * len(panels), 3.2), squeeze=False, sharey=True
    )
    for ax, ((opt, width), g) in zip(axes.flat, panels, strict=True):
        agg = g.groupby("activation")["success"].agg(["sum", "count"]).reindex(acts)
        rate = agg["sum"] / agg["count"]
        ci = np.array([wilson(k, n) for k, n in zip(agg["sum"], agg["count"], strict=True)])
        err = np.vstack([rate - ci[:, 0], ci[:, 1] - rate])
        ax.bar(range(len(acts)), rate, yerr=err, capsize=2, color="C0")
        ax.set_xticks(range(len(acts)), acts, rotation=60, ha="right")
        ax.set_title(f"{opt}, width {width} (n = {int(agg['count'].iloc[0])})")
        ax.set_ylim(0, 1.05)
    axes[0, 0].set_ylabel("XOR solved (share of seeds)")
    fig.tight_layout()
    save(fig, outputs)
