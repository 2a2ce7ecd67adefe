"""Dynamical isometry (E10): at criticality, orthogonal weights keep the singular values of
a deep tanh net's input-output Jacobian bunched around 1, while Gaussian weights at the
same critical point and ReLU at He with either init spread them over many decades, and
their spread grows in proportion to depth. Left: the distribution of the singular values
σ of J = ∂x_L/∂x_0 in the deepest networks (every seed pooled, log x); singular values that
are zero to round-off (directions through a ReLU unit dead at some layer, and Gaussian
tanh's smallest) are left out, and the legend gives their share. Right: the spread of the
eigenvalues λ = σ² of JJᵀ, Var(λ)/mean(λ)², against depth (log–log), the median over
seeds with its bootstrap interval (the check's); dotted: Pennington, Schoenholz & Ganguli's (2017)
infinite-width prediction L·(μ2/μ1² − 1 − s1); grey line: claim E10's tolerance for a
concentrated spectrum. Colour: activation; line style: init (solid orthogonal, dashed
Gaussian).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullLocator

from ..claims.checks_isometry import ISOMETRY_VAR, SETTINGS, setting
from ..claims.stats import boot
from ..machinery.labels import pct
from ..machinery.tables import Tables
from .style import TEXT_WIDTH_IN, activation_color, save, setup

DASHES = {"orthogonal": "-", "gaussian": "--"}
MARKERS = {"orthogonal": "o", "gaussian": "s"}
# Singular values below this fraction of a network's largest are zero to round-off
# (as the study counts them: vanishing.studies.isometry.ZERO_SV).
ZERO = 1e-10
BINS = 60


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    spec = inputs.table("isometry.spectra")
    summ = inputs.table("isometry.summary")
    deepest = int(spec["depth"].max())
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(TEXT_WIDTH_IN, 3.0), layout="constrained", width_ratios=(1.1, 1)
    )
    # left: the singular values at the deepest depth, per setting
    deep = spec[spec["depth"] == deepest]
    keep = {}
    for a, i in SETTINGS:
        d = deep[(deep["activation"] == a) & (deep["init"] == i)]
        top = d.groupby("seed")["singular_value"].transform("max")
        sv = d["singular_value"].to_numpy()
        nz = sv > ZERO * top.to_numpy()
        keep[(a, i)] = (sv[nz], len(sv))
    lo = min(float(v.min()) for v, _ in keep.values())
    hi = max(float(v.max()) for v, _ in keep.values())
    bins = np.geomspace(lo, hi, BINS)
    for (a, i), (sv, total) in keep.items():
        zero = 1.0 - len(sv) / total
        left.hist(
            sv,
            bins=bins,
            weights=np.full(len(sv), 1.0 / total),  # a share of all, the zeros included
            histtype="step",
            color=activation_color(a),
            ls=DASHES[i],
            lw=1.2,
            label=f"{setting(a, i)} ({pct(zero)} zero)",
        )
    left.set_xscale("log")
    left.set_yscale("log")
    left.axvline(1.0, color="0.5", lw=0.8, zorder=0)
    left.set_xlabel(f"singular value σ of J, depth {deepest}")
    left.set_ylabel("share of singular values per bin")
    left.legend(loc="upper left", fontsize=7)
    # right: the spread against depth
    for a, i in SETTINGS:
        d = summ[(summ["activation"] == a) & (summ["init"] == i)]
        depths = sorted(int(x) for x in d["depth"].unique())
        med, err_lo, err_hi, pred = [], [], [], []
        for depth in depths:
            v = d.loc[d["depth"] == depth, "rel_var"].astype(float).to_numpy()
            m = float(np.median(v))
            b_lo, b_hi = boot(v)
            med.append(m)
            err_lo.append(m - (b_lo if np.isfinite(b_lo) else m))
            err_hi.append((b_hi if np.isfinite(b_hi) else m) - m)
            pred.append(float(d.loc[d["depth"] == depth, "pred_rel_var"].iloc[0]))
        col = activation_color(a)
        right.errorbar(
            depths,
            med,
            yerr=[err_lo, err_hi],
            color=col,
            ls=DASHES[i],
            marker=MARKERS[i],
            ms=3.5,
            lw=1.2,
            capsize=2,
            label=setting(a, i),
        )
        right.plot(depths, pred, color=col, ls=":", lw=1.0)
    right.axhline(ISOMETRY_VAR, color="0.4", lw=1.6, zorder=0)
    right.set_xscale("log")
    ticks = sorted(int(x) for x in summ["depth"].unique())
    right.set_xticks(ticks, [str(t) for t in ticks], fontsize=7)
    right.xaxis.set_minor_locator(NullLocator())
    right.set_yscale("log")
    right.set_xlabel("depth L (layers)")
    right.set_ylabel("Var(λ)/mean(λ)², λ = σ²")
    save(fig, outputs)
