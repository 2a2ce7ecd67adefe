"""Finite-width fluctuations (E9): for ReLU at He init, the variance over seeds of ln‖δ₁‖²
(δ₁ = ∂L/∂z₁, the back-propagated error at the first hidden layer for a fixed one-unit
read-out, the variance averaged over the inputs) grows with β = depth/width, and the points of
every depth and width fall on one curve in β: a deep narrow network and a shallower wider one
of the same β fluctuate alike, while mean-field χ1 is 1 for all of them. Left: that variance
against β, one marker and grey per width (darker = wider), a point per depth, bars the
bootstrap interval over seeds, the line the least-squares fit in β over every point, drawn
down to the lowest point (log axes: the fit is dominated by the large-β points and its
intercept bends it away at small β; points where some network's δ₁ vanished exactly are left
out); dotted, the line through the origin whose slope is the variance of one layer's factor
(the E9 check's own calculation, printed in its note). Right: Hanin (2018)'s normalised
fourth moment of the input-output Jacobian entries Z = W₁ᵀδ₁, E[Z⁴]/E[Z²]², pooled over
seeds, inputs and input coordinates (dashed: a Gaussian's value); it grows with β, roughly
exponentially.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from ..claims.checks_width import (
    GAUSSIAN_M4,
    ONE_LAYER_VARIANCE,
    _boot,
    fit,
    fourth_moment,
    grid_of,
    pooled_variance,
)
from ..machinery.labels import num
from ..machinery.tables import Tables
from .style import MARKERS, TEXT_WIDTH_IN, ramp, save, setup


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    g = grid_of(inputs.table("width.hanin"))
    v = pooled_variance(g.ln)
    ok = g.finite
    widths = sorted(set(g.widths.tolist()))
    greys = ramp(len(widths) + 1)[1:]  # skip the lightest grey: markers stay visible
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(TEXT_WIDTH_IN, 2.9), layout="constrained")
    m4 = fourth_moment(g)
    for k, w in enumerate(widths):
        idx = [i for i in np.flatnonzero(ok) if g.widths[i] == w]
        if not idx:
            continue
        b = g.betas[idx]
        lo_hi = np.array([_boot(g, np.array([i]), lambda vv: vv[..., 0]) for i in idx])
        err = np.abs(lo_hi.T - v[idx])
        style = {"color": greys[k], "marker": MARKERS[k % len(MARKERS)], "ms": 4, "ls": "none"}
        ax.errorbar(b, v[idx], yerr=err, capsize=2, lw=0.8, label=f"width {w}", **style)
        bx.plot(b, m4[idx], label=f"width {w}", **style)
    cols = np.flatnonzero(ok)
    if len(cols) >= 2:
        slope, intercept, _ = fit(g.betas[cols], v[cols])
        xs = np.geomspace(g.betas[cols].min(), g.betas[cols].max(), 200)
        ys = intercept + slope * xs
        keep = ys >= v[cols].min()  # on log axes the line ends at the lowest point
        ax.plot(xs[keep], ys[keep], color="0.35", lw=1.0, zorder=0, label="fit in β")
        # The one-layer calculation's line through the origin, ONE_LAYER_VARIANCE·β: on
        # log axes a straight line of slope 1, which the fit's intercept hides at small β.
        ax.plot(
            xs,
            ONE_LAYER_VARIANCE * xs,
            color="0.35",
            lw=0.9,
            ls=":",
            zorder=0,
            label=f"{num(ONE_LAYER_VARIANCE)}·β",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("β = depth / width")
    ax.set_ylabel("Var over seeds of ln‖δ₁‖²")
    ax.set_title("fluctuation of ln‖δ₁‖² against β")
    bx.axhline(GAUSSIAN_M4, color="0.5", lw=0.8, ls="--", zorder=0)
    bx.set_xscale("log")
    bx.set_yscale("log")
    bx.set_xlabel("β = depth / width")
    bx.set_ylabel("E[Z⁴] / E[Z²]²")
    bx.set_title("Jacobian entries: normalised 4th moment")
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncol=len(names), fontsize=7)
    fig.suptitle("ReLU at He init: gradient fluctuations collapse onto β")
    save(fig, outputs)
