"""Deep, narrow ReLU networks are often born dead, and more often the deeper and
narrower they are. Share of randomly initialised ReLU networks (He init, zero biases)
whose output is the same for every Gaussian input because some hidden layer is zero
everywhere, against depth; one grey per width (darker = wider), with 95 % Wilson
intervals over seeds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from ..machinery.tables import Tables
from .study_xor import wilson
from .style import ramp, save, setup


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("dying.born_dead")
    fig, ax = plt.subplots(figsize=(4.6, 3.3))
    shades = ramp(df["width"].nunique())  # an ordered variable: darker = wider
    for i, (width, g) in enumerate(df.groupby("width")):
        agg = g.groupby("depth")["born_dead"].agg(["sum", "count"])
        rate = agg["sum"] / agg["count"]
        ci = np.array([wilson(k, n) for k, n in zip(agg["sum"], agg["count"], strict=True)])
        ax.plot(agg.index, rate, marker="o", color=shades[i], label=f"width {width}")
        ax.fill_between(agg.index, ci[:, 0], ci[:, 1], color=shades[i], alpha=0.2)
    ax.set_xscale("log")
    ax.set_xlabel("depth (hidden layers)")
    ax.set_ylabel("share born dead")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(title=f"n = {df.groupby(['width', 'depth']).size().iloc[0]} seeds")
    fig.tight_layout()
    save(fig, outputs)
