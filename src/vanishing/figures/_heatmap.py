"""Shared drawing of an activation × depth heatmap per init (two figures use it)."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from .style import save, setup

LIMIT = 10.0  # colour scale ±10 decades; beyond it the cell is saturated


def draw(summary: pd.DataFrame, column: str, label: str, outputs: list[Path]) -> None:
    """Median over seeds of ``column`` per (activation, depth), one panel per init;
    each cell is annotated with its value in decades (−inf, exactly zero, at the floor)."""
    setup()
    df = summary.copy()
    df[column] = df[column].astype(float).replace(-np.inf, -LIMIT * 10)
    inits = list(dict.fromkeys(df["init"]))
    cols = min(4, len(inits))
    rows = math.ceil(len(inits) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 3.8 * rows), squeeze=False)
    for k, (ax, init) in enumerate(zip(axes.flat, inits, strict=False)):
        grid = (
            df[df["init"] == init]
            .groupby(["activation", "depth"])[column]
            .median()
            .unstack("depth")
        )
        labels = grid.map(
            lambda v: "" if np.isnan(v) else ("−∞" if v <= -LIMIT * 10 else f"{round(v):d}")
        )
        sns.heatmap(
            grid.clip(-LIMIT, LIMIT),
            ax=ax,
            cmap="vlag",
            vmin=-LIMIT,
            vmax=LIMIT,
            center=0,
            cbar=False,
            annot=labels,
            fmt="",
            annot_kws={"size": 6},
            yticklabels=k % cols == 0,
        )
        ax.set_title(init)
        ax.set_xlabel("depth")
        ax.set_ylabel("")
    for ax in list(axes.flat)[len(inits) :]:
        ax.axis("off")
    fig.colorbar(axes.flat[0].collections[0], ax=axes, shrink=0.6, label=label)
    save(fig, outputs)
