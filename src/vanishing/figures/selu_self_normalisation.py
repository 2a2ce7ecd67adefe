"""Self-normalisation (E8): under SELU at LeCun init the activations' variance stays
in the grey band and their mean in the grey band around 0 at every layer, and ‖δ‖ at
the input side stays within a decade of the output layer's, while under tanh at Xavier
init the variance shrinks layer after layer and under SELU at He init variance and mean
grow. Per layer at initialisation in the deepest networks of the probe grid (the depth
is in the title), three panels: the variance of the hidden layer's activations φ(z)
over the batch and the units (log scale; grey: [0.8, 1.5]), their mean (linear within
±0.1, logarithmic beyond; grey: [−0.1, 0.1]) and log10 ‖δ_l‖/‖δ_output‖ (a level
profile is a flat line at 0); the grey bands are the domain of mean and variance that
Theorem 1 of Klambauer et al. (2017) proves SELU's moment map sends into itself, and
claim E8's tolerances. Drawn for SELU with LeCun and He, tanh with Xavier and ReLU with
He; colour: activation, line style: init; line = median over seeds, band = range over
seeds. x: layer, 1 = input side; the right panel's last point is the output layer.
Settings the configuration's grid lacks are left out; networks whose probe overflowed
are left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..claims.checks_selu import MEAN_TOL, VAR_HI, VAR_LO
from ..machinery.tables import Tables
from ._profiles import COLUMNS, KEYS, deepest, over_seeds, setting_label
from .style import INIT_DASHES, TEXT_WIDTH_IN, activation_color, save, setup, symlog_ticks

# (activation, init): the claim's setting, the catalogue's tanh contrast, ReLU at its
# critical init, and SELU at another init (the init is half of the claim).
SETTINGS: tuple[tuple[str, str], ...] = (
    ("selu", "lecun"),
    ("tanh", "xavier"),
    ("relu", "he"),
    ("selu", "he"),
)
# (quantity, panel title, y label)
QUANTITIES: tuple[tuple[str, str, str], ...] = (
    ("act_var", "variance of the activations", "variance (log scale)"),
    ("act_mean", "mean of the activations", "mean (symmetric log scale)"),
    ("delta", "back-propagated error ‖δ‖", "log₁₀ ‖δ_l‖ / ‖δ_output‖"),
)
# The shading of the self-normalising domain: light, behind the lines.
BAND_GREY = "0.92"


def profiles(layers: pd.DataFrame) -> pd.DataFrame:
    """What the figure draws: per setting, quantity and layer at the deepest depth, the
    median over seeds and the range (lo, hi).

    Quantities: ``act_var`` and ``act_mean`` (hidden layers) and ``delta`` =
    log10(‖δ_l‖ / ‖δ‖ at the output layer) (every layer). Columns: activation, init,
    depth, quantity, layer, median, lo, hi. Rows of networks whose probe overflowed
    are dropped, as are non-finite values."""
    depth, d = deepest(layers, SETTINGS)
    hidden = d[d["layer"] <= depth]
    ref = d[d["layer"] == depth + 1].set_index(KEYS)["delta_norm"].rename("ref")
    v = d[[*KEYS, "layer", "delta_norm"]].join(ref, on=KEYS)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.log10(v["delta_norm"].astype(float) / v["ref"].astype(float))
    frames = {
        q: hidden.assign(y=hidden[q].astype(float)) if q in d else None
        for q in ("act_var", "act_mean")
    }
    frames["delta"] = v.assign(y=delta)
    out = []
    for q, _, _ in QUANTITIES:
        f = frames[q]
        if f is not None:
            out.append(over_seeds(f[np.isfinite(f["y"])], q, depth))
    return pd.concat(out, ignore_index=True)[COLUMNS] if out else pd.DataFrame(columns=COLUMNS)


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    layers = inputs.table("probe.layers")
    prof = profiles(layers)
    depth = int(layers["depth"].max())
    present = [s for s in SETTINGS if ((prof["activation"] == s[0]) & (prof["init"] == s[1])).any()]
    fig, axes = plt.subplots(
        1, len(QUANTITIES), figsize=(TEXT_WIDTH_IN, 2.8), squeeze=False, layout="constrained"
    )
    for ax, (q, title, ylabel) in zip(axes.flat, QUANTITIES, strict=True):
        if q == "act_var":
            ax.axhspan(VAR_LO, VAR_HI, color=BAND_GREY, lw=0, zorder=0)
        else:
            if q == "act_mean":
                ax.axhspan(-MEAN_TOL, MEAN_TOL, color=BAND_GREY, lw=0, zorder=0)
            ax.axhline(0.0, color="0.5", lw=0.6, zorder=1)
        for act, init in present:
            p = prof[(prof["activation"] == act) & (prof["init"] == init)]
            p = p[p["quantity"] == q].sort_values("layer")
            if p.empty:
                continue
            c = activation_color(act)
            ax.fill_between(p["layer"], p["lo"], p["hi"], color=c, alpha=0.18, lw=0)
            (line,) = ax.plot(
                p["layer"], p["median"], color=c, lw=1.4, label=setting_label(act, init)
            )
            if INIT_DASHES.get(init):
                line.set_dashes(INIT_DASHES[init])
        if q == "act_var" and ax.has_data():
            ax.set_yscale("log")
        if q == "act_mean":
            # linear inside the band, logarithmic beyond it: a mean that stays in the
            # band and one that runs off by decades share the panel
            ax.set_yscale("symlog", linthresh=MEAN_TOL)
            symlog_ticks(ax, MEAN_TOL)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("layer (1 = input side)")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
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
        handles, names = axes[0, -1].get_legend_handles_labels()
        fig.legend(handles, names, loc="outside lower center", ncol=4, handlelength=3, fontsize=7)
    fig.suptitle(
        f"Depth {depth} (the grid's deepest), at initialisation: does SELU self-normalise?"
    )
    save(fig, outputs)
