"""Long products of plain tanh derivatives vanish as K grows; for tanh(n·x) with n > 1
whether they vanish or explode depends on the input scale s. Probability that a product
of K derivatives vanishes (below 10⁻⁶, solid) or explodes (above 10⁶, dashed) against K,
for pre-activations x ~ N(0, s²), one panel per s; colour: tanh(n·x) for several n
(shades of blue, darker = larger n) and ReLU; lines are means over seeds, bands ± 1 sd. A
probability that stays 0 is drawn as a thin line on the bottom edge.

Plain tanh (n = 1) and n < 1 never explode; n > 1 explodes when s is small, because most x
sit where the derivative exceeds 1, and vanishes as soon as s is not. ReLU's product is
exactly 0 or 1, so its vanishing probability is 1 − 2⁻ᴷ whatever s is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.lines import Line2D

from ..machinery.labels import label, num
from ..machinery.tables import Tables
from .style import activation_color, activation_order, panel_grid, save, setup

EVENTS = {"p_vanish": ("vanish (< 10⁻⁶)", "-"), "p_explode": ("explode (> 10⁶)", "--")}


def _name(act: str) -> str:
    return "tanh" if act == "tanh_n1" else act


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("products.products")
    df["activation"] = df["activation"].map(_name)
    acts = activation_order(df["activation"])
    scales = sorted(df["s"].unique())
    ks = sorted(df["K"].unique())
    fig, axes = panel_grid(len(scales), 2.4, 2.1, extra_w=0.0, sharey=True)
    for ax, s in zip(axes.flat, scales, strict=False):
        d = df[df["s"] == s]
        for act in acts:
            a = d[d["activation"] == act]
            c = activation_color(act)
            for col, (_, ls) in EVENTS.items():
                g = a.groupby("K")[col].agg(["mean", "std"]).reindex(ks)
                flat = bool((g["mean"] == 0).all())
                ax.plot(
                    ks,
                    g["mean"],
                    ls=ls,
                    color=c,
                    lw=0.7 if flat else 1.4,
                    marker=None if flat else "o",
                    ms=3,
                )
                if not flat:
                    sd = g["std"].fillna(0)
                    ax.fill_between(ks, g["mean"] - sd, g["mean"] + sd, color=c, alpha=0.15, lw=0)
        ax.set_xscale("log")
        ax.set_xticks(ks, [str(k) for k in ks])
        ax.minorticks_off()
        ax.set(
            title=f"x ~ N(0, {num(float(s))}²)", xlabel="K (factors multiplied)", ylim=(-0.03, 1.03)
        )
    for ax in axes[:, 0]:
        ax.set_ylabel("probability")
    handles = [
        Line2D([], [], color=activation_color(a), lw=1.4, label=label(a, "activation"))
        for a in acts
    ]
    handles += [
        Line2D([], [], color="0.3", ls=ls, lw=1.4, label=name) for name, ls in EVENTS.values()
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, fontsize=7)
    save(fig, outputs)
