"""Mean-field theory predicts the measured per-layer growth of the back-propagated error:
the points lie along the diagonal. One panel per activation, one point per init (colour
and marker). x: the predicted per-layer slope of ln‖δ‖ towards the input, ½·ln χ1, with
χ1 followed layer by layer from the input's variance (filled) or taken at the fixed point
q* (open, same colour); y: the slope measured in the probe grid's deepest networks (mean
over seeds, bar ± 1 sd); dashed: measured = predicted. Zero init is left out (its
gradient is exactly 0); the title gives Pearson's r over all pairs for both predictions.

Above 0 the error grows towards the input (explodes), below 0 it vanishes.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..machinery.labels import label, num
from ..machinery.tables import Tables
from .style import (
    INIT_MARKERS,
    TEXT_WIDTH_IN,
    activation_order,
    init_color,
    init_order,
    save,
    setup,
)

COLUMNS = 5


def _r(x: pd.Series, y: pd.Series) -> float:
    ok = np.isfinite(x) & np.isfinite(y)
    return float(np.corrcoef(x[ok], y[ok])[0, 1]) if ok.sum() >= 3 else math.nan


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("meanfield.comparison")
    df = df[np.isfinite(df["pred_slope_qstar"]) & np.isfinite(df["measured_slope"])]
    depth = int(df["depth"].max())
    deep = df[df["depth"] == depth]
    agg = deep.groupby(["activation", "init"], as_index=False).agg(
        measured=("measured_slope", "mean"),
        sd=("measured_slope", "std"),
        qstar=("pred_slope_qstar", "first"),
        trajectory=("pred_slope_trajectory", "first"),
        seeds=("seed", "nunique"),
    )
    acts = activation_order(agg["activation"])
    inits = init_order(agg["init"])
    cols = min(COLUMNS, len(acts))
    rows = math.ceil(len(acts) / cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(TEXT_WIDTH_IN, 1.35 * rows + 0.9),
        squeeze=False,
        layout="constrained",
    )
    for k, ax in enumerate(axes.flat):
        if k >= len(acts):
            ax.axis("off")
            continue
        a = agg[agg["activation"] == acts[k]]
        vals = a[["measured", "qstar", "trajectory"]].to_numpy()
        vals = vals[np.isfinite(vals)]
        pad = 0.1 * max(float(np.ptp(vals)), 0.1)
        lo, hi = float(vals.min()) - pad, float(vals.max()) + pad
        ax.plot([lo, hi], [lo, hi], ls="--", color="0.4", lw=0.7, zorder=0)
        ax.axhline(0, color="0.75", lw=0.5, zorder=0)
        ax.axvline(0, color="0.75", lw=0.5, zorder=0)
        for init in inits:
            p = a[a["init"] == init]
            if p.empty:
                continue
            c, m = init_color(init), INIT_MARKERS.get(init, "o")
            ax.errorbar(
                p["trajectory"],
                p["measured"],
                yerr=p["sd"].fillna(0),
                fmt=m,
                color=c,
                ms=4.5,
                lw=0.8,
                label=label(init, "init"),
                zorder=3,
            )
            ax.plot(p["qstar"], p["measured"], m, mfc="none", mec=c, ms=4.5, mew=0.8, zorder=2)
        ax.set(xlim=(lo, hi), ylim=(lo, hi), title=label(acts[k], "activation"))
        ax.set_xlabel("predicted ½·ln χ1" if k + cols >= len(acts) else "")
        ax.set_ylabel("measured slope" if k % cols == 0 else "")
        ax.locator_params(nbins=4)
    r_traj, r_q = _r(agg["trajectory"], agg["measured"]), _r(agg["qstar"], agg["measured"])
    fig.suptitle(
        f"Per-layer slope of ln‖δ‖ at depth {depth}, {len(agg)} activation × init pairs, "
        f"{int(agg['seeds'].max())} seeds:\nr = {num(r_traj, 4)} (χ1 along the layers, filled), "
        f"r = {num(r_q, 4)} (χ1 at q*, open)"
    )
    handles, names = [], []
    for ax in axes.flat:
        for h, n in zip(*ax.get_legend_handles_labels(), strict=True):
            if n not in names:
                handles.append(h)
                names.append(n)
    order = [names.index(label(i, "init")) for i in inits if label(i, "init") in names]
    fig.legend(
        [handles[i] for i in order],
        [names[i] for i in order],
        title="init",
        loc="outside lower center",
        ncol=4,
    )
    save(fig, outputs)
