"""Per-layer weight-gradient norms at initialisation (median over seeds,
band = min–max), one panel per activation, colour by init, for the deepest
network of the grid up to 32 hidden layers. Layer 1 is the input side.

A falling line towards layer 1 is a vanishing gradient, a rising one an
exploding gradient; zeros (all-zero init) are drawn at the bottom edge.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import seaborn as sns

from ..tables import Tables
from .style import save, setup

# Deep enough to show the trend, shallow enough for the panels to stay readable.
MAX_PROFILE_DEPTH = 32
FLOOR = 1e-30  # where exact zeros are drawn on the log axis


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("probe.layers")
    depths = sorted(d for d in df["depth"].unique() if d <= MAX_PROFILE_DEPTH)
    depth = depths[-1] if depths else int(df["depth"].min())
    sub = df[df["depth"] == depth].copy()
    sub["grad_norm"] = np.clip(sub["grad_norm"].astype(float), FLOOR, None)
    g = sns.relplot(
        sub,
        x="layer",
        y="grad_norm",
        hue="init",
        col="activation",
        col_wrap=5,
        kind="line",
        estimator="median",
        errorbar=("pi", 100),
        height=2.2,
        aspect=1.2,
        facet_kws={"sharey": False},
    )
    g.set(yscale="log")
    g.set_axis_labels("layer (1 = input side)", "‖∂L/∂W‖")
    g.figure.suptitle(f"depth {depth}: gradient norm per layer at initialisation", y=1.02)
    save(g.figure, outputs)
