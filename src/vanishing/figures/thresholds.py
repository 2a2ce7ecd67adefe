"""tanh(n·x)'s useful band narrows as n grows: the derivative exceeds 1 only in a thin
band around 0 and drops below 1/n soon after. Where the derivative drops below 1/n (±t1,
vanishing side; black) and exceeds 1 (±t_explode, exploding side; grey), against a
continuous n.

Between −t1 and t1 an x can still offset the 1/n of a "bad" x; the widest
such band over continuous n is marked. Inside ±t_explode the derivative is
above 1, so many such x in a product make it explode.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from ..machinery.tables import Tables
from .style import save, setup


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    curve = inputs.table("theory.curve")
    curve = curve[curve["n"] <= 6]
    maxima = inputs.json("theory.maxima")
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.fill_between(curve["n"], curve["t2"], curve["t1"], alpha=0.15, label="|x| < t1(n)")
    ax.plot(curve["n"], curve["t1"], c="black", label="t1(n): f′ = 1/n")
    ax.plot(curve["n"], curve["t2"], c="black", ls="--", label="t2(n) = −t1(n)")
    ax.plot(curve["n"], curve["t_explode"], c="0.55", label="t_explode(n): f′ = 1")
    ax.plot(curve["n"], -curve["t_explode"], c="0.55", ls="--")
    n_star, t_star = maxima["t1_continuous_argmax"], maxima["t1_continuous_max"]
    ax.plot([n_star], [t_star], "o", c="k")
    ax.annotate(
        f"max t1 = {t_star:.4f}\nat n = {n_star:.3f}",
        (n_star, t_star),
        xytext=(n_star + 0.6, t_star + 0.1),
        fontsize=8,
    )
    n_int, t_int = maxima["t1_integer_argmax"], maxima["t1_integer_max"]
    ax.plot([n_int], [t_int], "s", c="0.4")
    ax.set_xlabel("n in tanh(n·x)")
    ax.set_ylabel("threshold on x")
    ax.legend(fontsize=8, loc="lower right")
    save(fig, outputs)
