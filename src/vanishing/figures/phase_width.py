"""Where the back-propagated error δ = ∂L/∂z turns from vanishing to exploding, against the
network's width: at σ_b² = 0 the measured critical σ_w² of tanh, softsign and ELU stays
above mean-field theory's line χ1 = 1 however wide the network, and comes closer to it at
the deeper depth, where the layer-by-layer (finite-depth) prediction lies too; with σ_b² > 0,
and for ReLU, the measured point converges onto the line as the width grows. One panel per
activation (columns) and bias variance σ_b² (rows). Points: the σ_w² at which the median
over seeds of the per-layer slope of ln‖δ‖ rises through 0 (interpolated in ln σ_w²), bars
its percentile bootstrap interval over seeds, one colour per depth (slightly offset in
width for legibility); grey line: σ_w² on χ1 = 1 (infinite width and depth), grey band:
E6's tolerance around it; dotted, in the depth's colour: where the layer-by-layer
prediction, followed from the input's variance over that many layers, crosses 0.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from ..claims.checks_phase import RATIO
from ..claims.phase_width import critical_table
from ..machinery.labels import label, num
from ..machinery.tables import Tables
from .style import TEXT_WIDTH_IN, activation_order, ramp, save, setup

# Width factor between the depths' markers, so that their bars do not overlap.
DODGE = 1.12
# y ticks: the round σ_w² values inside each panel's range (log axis, short ranges).
Y_TICKS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
# The theory: a broad grey line, as in the phase diagrams, over a pale tolerance band.
THEORY, THEORY_LW, BAND = "0.6", 2.5, "0.92"


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    crit = critical_table(inputs.table("phase_width.grid"))
    acts = activation_order(crit["activation"].unique())
    rows = sorted(crit["sigma_b2"].unique())
    depths = sorted(crit["depth"].unique())
    colors = dict(zip(depths, ramp(len(depths)), strict=True))
    widths = sorted(crit["width"].unique())
    fig, axes = plt.subplots(
        len(rows),
        len(acts),
        figsize=(TEXT_WIDTH_IN, 1.45 * len(rows) + 0.8),
        squeeze=False,
        layout="constrained",
    )
    for i, b in enumerate(rows):
        for j, a in enumerate(acts):
            ax = axes[i, j]
            c = crit[(crit["activation"] == a) & (crit["sigma_b2"] == b)]
            line = math.exp(float(c["ln_sigma_w2_line"].iloc[0]))
            ax.axhspan(line / RATIO, line * RATIO, color=BAND, lw=0, zorder=0)
            ax.axhline(line, color=THEORY, lw=THEORY_LW, zorder=1)
            for k, d in enumerate(depths):
                p = c[c["depth"] == d].sort_values("width")
                shift = DODGE ** (k - (len(depths) - 1) / 2)
                x = p["width"].to_numpy(float) * shift
                y = np.exp(p["ln_sigma_w2"].to_numpy(float))
                lo = np.exp(p["ln_sigma_w2_lo"].to_numpy(float))
                hi = np.exp(p["ln_sigma_w2_hi"].to_numpy(float))
                ax.errorbar(
                    x,
                    y,
                    yerr=[np.clip(y - lo, 0, None), np.clip(hi - y, 0, None)],
                    color=colors[d],
                    marker="o",
                    ms=3,
                    lw=0.9,
                    capsize=1.5,
                    label=f"depth {num(int(d))}",
                    zorder=3,
                )
                traj = float(p["deviation_trajectory"].iloc[0] + p["ln_sigma_w2_line"].iloc[0])
                if np.isfinite(traj):
                    ax.axhline(math.exp(traj), color=colors[d], lw=0.8, ls=":", zorder=2)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xticks(widths, [num(int(w)) for w in widths])
            ax.minorticks_off()
            y0, y1 = ax.get_ylim()
            ticks = [t for t in Y_TICKS if y0 <= t <= y1]
            ax.set_yticks(ticks, [num(t) for t in ticks])
            ax.set_ylim(y0, y1)
            ax.tick_params(axis="x", labelrotation=45)
            if i == 0:
                ax.set_title(label(a))
            if j == 0:
                ax.set_ylabel(f"σ_w² (σ_b² = {num(float(b))})")
            if i == len(rows) - 1:
                ax.set_xlabel("width")
    handles, labels_ = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels_, loc="outside lower center", ncol=len(depths), frameon=False)
    save(fig, outputs)
