"""Shared drawing of an activation × depth heatmap per init (two figures use it)."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..machinery.labels import MINUS, label
from .style import MAX_HEIGHT_IN, TEXT_WIDTH_IN, activation_order, init_order, save, setup

LIMIT = 10.0  # colour scale ±10 decades; beyond it the cell is saturated
FLOOR = -LIMIT * 10  # where −∞ (an exactly-zero numerator) is put before colouring
COLUMNS = 3  # three panels a row fit the portrait text width with 7 pt cell labels
MAX_COLUMNS = 4  # four still fit six depths of "−12" at 7 pt


def _cell(v: float) -> str:
    if np.isnan(v):
        return ""
    if v <= FLOOR:
        return MINUS + "∞"
    return f"{round(v):d}".replace("-", MINUS)


def draw(summary: pd.DataFrame, column: str, label_text: str, outputs: list[Path]) -> None:
    """Median over seeds of ``column`` per (activation, depth), one panel per init in the
    palette convention's order; each cell is annotated with its value in decades."""
    setup()
    df = summary.copy()
    df[column] = df[column].astype(float).replace(-np.inf, FLOOR)
    inits = init_order(df["init"])
    acts = activation_order(df["activation"])
    n_depths = df["depth"].nunique()

    def height(cols: int) -> float:
        return math.ceil(len(inits) / cols) * (0.14 * len(acts) + 0.45) + 0.3

    # A panel more a row when the activations make the page too short for three rows
    # (the twenty of the default grid): narrower cells, still wide enough for "−12".
    cols = min(COLUMNS, len(inits))
    while cols < min(MAX_COLUMNS, len(inits)) and height(cols) > MAX_HEIGHT_IN - 0.5:
        cols += 1
    rows = math.ceil(len(inits) / cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(min(TEXT_WIDTH_IN, 1.3 + cols * (0.27 * n_depths + 0.15)), height(cols)),
        squeeze=False,
        layout="constrained",
    )
    for k, ax in enumerate(axes.flat):
        if k >= len(inits):
            ax.axis("off")
            continue
        init = inits[k]
        grid = (
            df[df["init"] == init]
            .groupby(["activation", "depth"])[column]
            .median()
            .unstack("depth")
            .reindex(acts)
        )
        grid.index = [label(a, "activation") for a in grid.index]
        sns.heatmap(
            grid.clip(-LIMIT, LIMIT),
            ax=ax,
            cmap="vlag",
            vmin=-LIMIT,
            vmax=LIMIT,
            center=0,
            cbar=False,
            annot=grid.map(_cell),
            fmt="",
            annot_kws={"size": 7},
            xticklabels=True,
            yticklabels=k % cols == 0,
        )
        ax.set_title(label(init, "init"))
        # Depth only under the bottom row, so it never runs into the next row's titles.
        ax.set_xlabel("depth" if k + cols >= len(inits) else "")
        ax.set_ylabel("")
        ax.tick_params(length=0)
    fig.colorbar(
        axes.flat[0].collections[0],
        ax=axes,
        shrink=0.5,
        label=label_text + f" (clipped at ±{LIMIT:g})",
    )
    save(fig, outputs)
