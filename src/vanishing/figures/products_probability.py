"""Probability that a product of K activation derivatives vanishes (below 1e-6, top row)
or explodes (above 1e6, bottom row) against K, for pre-activations x ~ N(0, s²) (columns:
s) and tanh(n·x) with several n or ReLU (colour); lines are means over seeds, bands ±1 sd.

Plain tanh (n = 1) and n < 1 never explode; n > 1 explodes when s is small, because most x
sit where the derivative exceeds 1, and vanishes as soon as s is not. ReLU's product is
exactly 0 or 1, so its vanishing probability is 1 − 2^−K whatever s is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import seaborn as sns

from ..tables import Tables
from .style import save, setup


def _order(names: list[str]) -> list[str]:
    tanh = sorted((a for a in names if a.startswith("tanh_n")), key=lambda a: float(a[6:]))
    return tanh + sorted(a for a in names if not a.startswith("tanh_n"))


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("products.products")
    long = df.melt(
        id_vars=["activation", "s", "K", "seed"],
        value_vars=["p_vanish", "p_explode"],
        var_name="event",
        value_name="probability",
    )
    names = {"p_vanish": "vanish (< 1e-6)", "p_explode": "explode (> 1e6)"}
    long["event"] = long["event"].map(names)
    g = sns.relplot(
        data=long,
        x="K",
        y="probability",
        hue="activation",
        hue_order=_order(list(df["activation"].unique())),
        col="s",
        row="event",
        kind="line",
        marker="o",
        errorbar="sd",
        height=2.4,
        aspect=1.0,
        palette="viridis",
        facet_kws={"margin_titles": True},
    )
    g.set(xscale="log", ylim=(-0.03, 1.03))
    g.set_titles(col_template="s = {col_name}", row_template="{row_name}")
    g.set_axis_labels("K (factors multiplied)", "probability")
    save(g.figure, outputs)
