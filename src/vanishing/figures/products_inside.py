"""Having half the inputs inside the good band is not enough: a product of tanh(2x)
derivatives still vanishes almost surely there, and only escapes when most of its inputs
are inside. Products of K = 50 derivatives of tanh(2x) at x ~ N(0, s²), s between 0.2 and
1.6, binned by the fraction of the 50 x's inside [−t1, t1] = [−0.658, 0.658]: probability
that the product vanished (below 10⁻⁶, black) and that it stayed at or above 1 (grey);
mean ± sd over seeds. The dashed line marks "half inside", the source's rule of thumb.

The dashed line marks "half inside", the source's rule of thumb.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import seaborn as sns

from ..machinery.tables import Tables
from .style import ramp, save, setup


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("products.inside")
    bins = df[df["kind"] == "bin"].copy()
    bins["fraction inside"] = (bins["f_lo"] + bins["f_hi"]) / 2
    long = bins.melt(
        id_vars=["fraction inside", "seed"],
        value_vars=["p_vanish", "p_above1"],
        var_name="outcome",
        value_name="probability",
    )
    long["outcome"] = long["outcome"].map(
        {"p_vanish": "vanished (< 10⁻⁶)", "p_above1": "stayed ≥ 1"}
    )
    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    sns.lineplot(
        data=long,
        x="fraction inside",
        y="probability",
        hue="outcome",
        # black and light grey (style.ramp): outcomes are not activations or inits
        palette=dict(zip(["vanished (< 10⁻⁶)", "stayed ≥ 1"], ramp(2)[::-1], strict=True)),
        style="outcome",
        markers=["o", "s"],
        dashes=False,
        errorbar="sd",
        ax=ax,
    )
    ax.axvline(0.5, color="0.3", ls="--", lw=0.8)
    ax.set_xlabel("fraction of the K x's with |x| < t1(2)")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.03, 1.03)
    fig.tight_layout()
    save(fig, outputs)
