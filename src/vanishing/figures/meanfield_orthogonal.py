"""Orthogonal init vs a Gaussian of the same variance (LeCun, 1/fan_in) in linear and tanh
MLPs of width 64 against depth: log10 of the first- over last-layer weight-gradient norm
(top), spread across seeds of the first layer's log10 gradient norm (middle), and the
standard deviation of the log singular values of the hidden-stack Jacobian ∂z_D/∂z_1
(bottom). Lines: mean over seeds, bands: ±1 sd.

A deep linear net with orthogonal weights has every singular value equal to 1 at every
depth; with Gaussian weights the spectrum spreads with depth (it saturates near ln 1e16 ≈ 13
at the deepest nets, float64's resolution of the smallest singular values).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import seaborn as sns

from ..tables import Tables
from .style import save, setup


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("meanfield.orthogonal")
    seed_sd = (
        df.groupby(["activation", "init", "depth"], as_index=False)["log10_grad_first"]
        .std()
        .rename(columns={"log10_grad_first": "value"})
        .assign(metric="sd over seeds of log10 ‖∂L/∂W₁‖")
    )
    per_seed = df.melt(
        id_vars=["activation", "init", "depth", "seed"],
        value_vars=["log10_ratio", "jac_ln_sv_sd"],
        var_name="metric",
        value_name="value",
    )
    per_seed["metric"] = per_seed["metric"].map(
        {"log10_ratio": "log10 first/last gradient", "jac_ln_sv_sd": "sd of ln singular values"}
    )
    long = pd.concat([per_seed, seed_sd], ignore_index=True)
    g = sns.relplot(
        data=long,
        x="depth",
        y="value",
        hue="init",
        col="activation",
        row="metric",
        kind="line",
        marker="o",
        errorbar="sd",
        height=2.3,
        aspect=1.4,
        facet_kws={"sharey": "row", "margin_titles": True},
        row_order=[
            "log10 first/last gradient",
            "sd over seeds of log10 ‖∂L/∂W₁‖",
            "sd of ln singular values",
        ],
    )
    g.set(xscale="log")
    g.set_titles(col_template="{col_name}", row_template="{row_name}")
    g.set_axis_labels("depth (hidden layers)", "")
    save(g.figure, outputs)
