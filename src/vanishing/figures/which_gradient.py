"""Which gradient vanishes: the back-propagated error ‖δ‖ can fall by many decades towards
the input while the weight gradient ‖∂L/∂W‖ = ‖Σ δ·hᵀ‖ stays level, because the forward
signal h shrinks by the factor δ grows by. Per layer at initialisation in the deepest
networks of the probe grid (the depth is in the title), three panels: log10 of ‖δ‖, of
‖∂L/∂W‖ and of ‖∂L/∂W‖/‖W‖, each divided by its value at the output layer (so a level
profile is a flat line at 0), for ReLU with Xavier and He, tanh with U[±1/√fan_in] and
sigmoid with Xavier; colour: activation, line style: init; line = median over seeds,
band = range over seeds. x: layer, 1 = input side, the last point is the output layer.

Under ReLU/Xavier and tanh/U[±1/√fan_in] the left panel falls steeply while the middle
one stays flat: judging vanishing by the weight gradient would miss it (Glorot & Bengio
2010 report the same for tanh). Sigmoid is not homogeneous: its activations do not
shrink, so its weight gradient vanishes with δ. Settings the configuration's grid lacks
are left out; networks whose probe overflowed are left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..machinery.tables import Tables
from ._profiles import COLUMNS, KEYS, deepest, over_seeds, setting_label
from .style import INIT_DASHES, TEXT_WIDTH_IN, activation_color, save, setup

# (activation, init): the homogeneous ReLU under a shrinking and a preserving init, tanh
# under Glorot & Bengio's "standard" init, and sigmoid, which is not homogeneous.
SETTINGS: tuple[tuple[str, str], ...] = (
    ("relu", "xavier"),
    ("relu", "he"),
    ("tanh", "glorot_standard"),
    ("sigmoid", "xavier"),
)
# (column of probe.layers, panel title)
QUANTITIES: tuple[tuple[str, str], ...] = (
    ("delta_norm", "back-propagated error ‖δ‖"),
    ("grad_norm", "weight gradient ‖∂L/∂W‖"),
    ("rel_grad", "relative gradient ‖∂L/∂W‖ / ‖W‖"),
)


def profiles(layers: pd.DataFrame) -> pd.DataFrame:
    """What the figure draws: per setting, quantity and layer at the deepest depth, the
    median over seeds of log10(value / value at the output layer) and its range.

    Columns: activation, init, depth, quantity, layer, median, lo, hi. Rows of
    networks whose probe overflowed are dropped, as are non-finite ratios."""
    depth, d = deepest(layers, SETTINGS)
    out = []
    for col, _ in QUANTITIES:
        v = d[[*KEYS, "layer", col]].copy()
        ref = v[v["layer"] == depth + 1].set_index(KEYS)[col].rename("ref")
        v = v.join(ref, on=KEYS)
        with np.errstate(divide="ignore", invalid="ignore"):
            v["y"] = np.log10(v[col].astype(float) / v["ref"].astype(float))
        out.append(over_seeds(v[np.isfinite(v["y"])], col, depth))
    return pd.concat(out, ignore_index=True)[COLUMNS] if out else pd.DataFrame(columns=COLUMNS)


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    layers = inputs.table("probe.layers")
    prof = profiles(layers)
    depth = int(layers["depth"].max())
    present = [s for s in SETTINGS if ((prof["activation"] == s[0]) & (prof["init"] == s[1])).any()]
    fig, axes = plt.subplots(
        1,
        len(QUANTITIES),
        figsize=(TEXT_WIDTH_IN, 2.8),
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    for k, (ax, (col, title)) in enumerate(zip(axes.flat, QUANTITIES, strict=True)):
        ax.axhline(0.0, color="0.5", lw=0.6, zorder=1)
        for act, init in present:
            p = prof[(prof["activation"] == act) & (prof["init"] == init)]
            p = p[p["quantity"] == col].sort_values("layer")
            c = activation_color(act)
            ax.fill_between(p["layer"], p["lo"], p["hi"], color=c, alpha=0.18, lw=0)
            (line,) = ax.plot(
                p["layer"], p["median"], color=c, lw=1.4, label=setting_label(act, init)
            )
            if INIT_DASHES.get(init):
                line.set_dashes(INIT_DASHES[init])
        ax.set_title(title)
        ax.set_xlabel("layer (1 = input side)")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        if k == 0:
            ax.set_ylabel("log₁₀ (value / value at the output layer)")
        if not present:
            ax.text(
                0.5,
                0.5,
                "none of these settings\nis in this grid",
                transform=ax.transAxes,
                ha="center",
                va="center",
            )
    if present:
        handles, names = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, names, loc="outside lower center", ncol=2, handlelength=3, fontsize=7)
    fig.suptitle(f"Depth {depth} (the grid's deepest), at initialisation: which gradient vanishes?")
    save(fig, outputs)
