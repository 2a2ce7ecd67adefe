"""How much gradient each activation lets through: sigmoid's derivative never exceeds
1/4, tanh(n·x)'s peaks at n at x = 0 and falls off faster the larger n is, ReLU's is
exactly 0 or 1, and the smooth ReLU-like activations overshoot 1 a little for x > 0.
Derivatives of the activations as back-propagation sees them (autograd), colour:
activation.

Sigmoid's derivative never exceeds 1/4 and hard tanh's is 1 inside ±1 and 0 outside;
tanh(n·x)'s peaks at n but narrows as n grows; the ReLU family is flat at 1 for x > 0
(NecroReLU shows its 0.1 backward slope); SELU's is λ ≈ 1.05 for x > 0 and up to
λα ≈ 1.76 just below 0; GELU, SiLU and Mish rise above 1 before settling to it. The
dotted line marks a derivative of 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import seaborn as sns

from ..machinery.tables import Tables
from .style import TEXT_WIDTH_IN, palette, relabel, save, setup

PANELS = {
    "sigmoidal": ["sigmoid", "tanh", "lecun_tanh", "hard_tanh", "softsign"],
    "tanh(n·x)": ["tanh_n0.5", "tanh", "tanh_n2", "tanh_n3"],
    "ReLU family": ["relu", "leaky_relu", "prelu", "necro_relu", "elu"],
    "smooth ReLU-like": ["softplus", "selu", "gelu", "silu", "mish"],
}


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("theory.derivatives")
    fig, grid = plt.subplots(
        2, 2, figsize=(TEXT_WIDTH_IN, 4.6), sharey=True, sharex=True, layout="constrained"
    )
    axes = grid.flatten()
    for ax, (title, names) in zip(axes, PANELS.items(), strict=True):
        sub = relabel(df[df["activation"].isin(names)], {"activation": "activation"})
        pal = palette(names, "activation")
        sns.lineplot(
            sub, x="x", y="derivative", hue="activation", hue_order=list(pal), palette=pal, ax=ax
        )
        ax.axhline(1.0, ls=":", c="0.3", lw=1)
        ax.set_title(title)
        ax.legend(title=None, fontsize=7, handlelength=1.5)
    for ax in grid[1]:
        ax.set_xlabel("pre-activation x")
    for ax in grid[:, 0]:
        ax.set_ylabel("derivative f′(x)")
    save(fig, outputs)
