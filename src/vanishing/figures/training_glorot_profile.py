"""Glorot & Bengio's observation, per activation and depth: under the "standard" init
U[−1/√n, 1/√n] the back-propagated gradient shrinks towards the input, while the
normalised (Xavier) init keeps it closer to level; E3 says where it is level enough and
where not. Norm of the back-propagated gradient δ = ∂L/∂z per hidden layer (1 = input
side) for tanh, sigmoid and ReLU nets under both inits, at the first (solid) and last
(dashed) logged SGD step; median over seeds, band min–max; one row per depth.

A line falling towards layer 1 means the gradient shrinks on its way to the input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import seaborn as sns

from ..machinery.tables import Tables
from .style import hue, labels_of, relabel, save, setup

ACTS = ["tanh", "sigmoid", "relu"]
FLOOR = 1e-30


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    layers = inputs.table("training.layers")
    last = layers["step"].max()
    df = layers[
        layers["activation"].isin(ACTS)
        & layers["init"].isin(["glorot_standard", "xavier"])
        & layers["step"].isin([0, last])
        & (layers["layer"] <= layers["depth"])
    ].copy()
    df["delta_norm"] = np.clip(df["delta_norm"], FLOOR, None)
    df["when"] = np.where(df["step"] == 0, "step 0", f"step {last}")
    cols = labels_of([a for a in ACTS if a in set(df["activation"])], "activation")
    df, kw = hue(relabel(df, {"activation": "activation"}), "init", "init")
    g = sns.relplot(
        df,
        x="layer",
        y="delta_norm",
        **kw,
        style="when",
        row="depth",
        col="activation",
        col_order=cols,
        kind="line",
        estimator="median",
        errorbar=("pi", 100),
        height=1.45,
        aspect=1.15,
        facet_kws={"sharey": False, "sharex": "row", "margin_titles": True},
    )
    g.set(yscale="log")
    g.set_titles(row_template="depth {row_name}", col_template="{col_name}")
    g.set_axis_labels("hidden layer", "‖δ‖")  # 1 = input side (the caption says so)
    save(g.figure, outputs)
