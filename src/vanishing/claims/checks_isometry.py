"""Dynamical isometry (E10): at criticality, orthogonal weights keep the singular values of
a deep tanh net's input-output Jacobian near 1, Gaussian weights spread them, and ReLU
cannot be made isometric (Pennington, Schoenholz & Ganguli 2017, "Resurrecting the sigmoid
in deep learning through dynamical isometry: theory and practice", NeurIPS).

The paper's abstract: "ReLU networks are incapable of dynamical isometry. On the other
hand, sigmoidal networks can achieve isometry, but only with orthogonal weight
initialization." Its free-probability result at χ1 = 1: the eigenvalues λ = σ² of JJᵀ
(J = ∂x_L/∂x_0, σ its singular values) have mean 1 and variance L·(μ2/μ1² − 1 − s1),
μ_k = E[φ'(h)^{2k}] at the fixed point q*, s1 = 0 for orthogonal and −1 for Gaussian
weights (see vanishing.studies.isometry).

Tested on the isometry study (float64, width 256 by default, tanh on the critical line at a
small q*, ReLU at He), per depth, on the median over seeds of rel_var = Var(λ)/mean(λ)²,
the spread of the spectrum that the paper's formula predicts (scale-free, so a mean off 1
at finite width does not count as spread). Intervals are bootstraps over seeds. λ, not
ln σ: a ReLU Jacobian has exact zeros (directions through a dead unit), whose ln is −∞.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..machinery.labels import label, num
from .registry import ClaimResult, Results, check, not_tested, result
from .stats import (
    INLINE_LIST,
    boot_many,
    condition,
    fmt_stat,
    over_runs,
    record_table,
    sig,
    with_interval,
)
from .verdict import CI, Part, Statistic, all_of, by_form, part

# ---- tolerances, fixed before the run ----------------------------------------
# "Near 1": the spread of λ is at most ISOMETRY_VAR = 1, which is the spread of a single
# square Gaussian layer (Marchenko–Pastur at aspect ratio 1: Var(λ)/mean(λ)² = 1; the
# paper's formula at L = 1 for a linear Gaussian layer, μ2/μ1² − 1 − s1 = 1). A deep stack
# is isometric if it is better conditioned than one random layer. The paper's formula puts
# critical orthogonal tanh at 8·q*²·L to leading order (0.17 at q* = 1/64 and L = 100:
# six times under the line) and Gaussian tanh and ReLU at ≥ L (≥ 2 from L = 2 on).
ISOMETRY_VAR = 1.0
# Gaussian and ReLU are tested from depth 2: a single layer is not a product yet, and the
# paper's formula puts ReLU orthogonal at exactly the line there (λ ∈ {0, 2}, half each).
MIN_DEPTH = 2
# The claim's settings.
TANH, RELU = "tanh", "relu"
ORTH, GAUSS = "orthogonal", "gaussian"
# The catalogue's three parts, word for word.
PART_ORTH = "critical orthogonal tanh keeps the spectrum concentrated"
PART_GAUSS = "Gaussian init spreads it"
PART_RELU = "ReLU cannot reach isometry"

SUMMARY = "isometry.summary"
FIGURES = ["isometry_spectra"]
STAT = "Var(λ)/mean(λ)²"
TABLE = "E10: the spread Var(λ)/mean(λ)² of the Jacobian's squared singular values, per depth"
SETTINGS = ((TANH, ORTH), (TANH, GAUSS), (RELU, ORTH), (RELU, GAUSS))


def setting(activation: str, init: str, depth: int | None = None) -> str:
    """'tanh, orthogonal, depth 16' in a reader's words."""
    name = label(init, "init") if init == ORTH else "Gaussian"
    d = f", depth {depth}" if depth is not None else ""
    return f"{condition(activation=activation)}, {name}{d}"


def seeds_of(df: pd.DataFrame, activation: str, init: str, depth: int) -> pd.Series:
    """rel_var per seed (the index) of one setting at one depth."""
    d = df[(df["activation"] == activation) & (df["init"] == init) & (df["depth"] == depth)]
    return d.set_index("seed")["rel_var"].astype(float).sort_index()


def spread_stat(df: pd.DataFrame, activation: str, init: str, depth: int, concentrated: bool):
    """The median over seeds of rel_var with its interval, on the side the part needs:
    at most ISOMETRY_VAR (concentrated) or above it (spread)."""
    return over_runs(
        f"median over seeds of {STAT} of the Jacobian's squared singular values, "
        + setting(activation, init, depth),
        seeds_of(df, activation, init, depth),
        ISOMETRY_VAR,
        "below" if concentrated else "above",
        strict=not concentrated,
    )


def growth_stat(df: pd.DataFrame, lo: int, hi: int) -> Statistic:
    """Gaussian tanh: the median over seeds of rel_var at depth ``hi`` over that at ``lo``
    (the depths share each seed's network, so the ratio is per network), above 1."""
    a, b = seeds_of(df, TANH, GAUSS, lo), seeds_of(df, TANH, GAUSS, hi)
    return over_runs(
        f"median over seeds of {STAT} at depth {hi} over that at depth {lo}, "
        + setting(TANH, GAUSS),
        (b / a).dropna(),
        1.0,
        "above",
        strict=True,
    )


def gap_stat(df: pd.DataFrame, depth: int) -> Statistic:
    """Gaussian minus orthogonal tanh: the difference of the medians over seeds of rel_var
    at ``depth``, each setting resampled on its own, above 0."""
    g = seeds_of(df, TANH, GAUSS, depth).to_numpy()
    o = seeds_of(df, TANH, ORTH, depth).to_numpy()
    lo, hi = boot_many([g, o], lambda r: np.median(r[0], axis=1) - np.median(r[1], axis=1))
    return with_interval(
        f"median {STAT} of Gaussian minus orthogonal tanh at depth {depth}",
        float(np.median(g) - np.median(o)) if len(g) and len(o) else math.nan,
        lo,
        hi,
        f"{CI} bootstrap over {num(min(len(g), len(o)))} seeds per setting",
        0.0,
        "above",
        n=min(len(g), len(o)),
        strict=True,
    )


@check("E10")
def check_e10_isometry(r: Results) -> ClaimResult:
    df = r.table(SUMMARY)
    present = set(zip(df["activation"], df["init"], strict=True))
    missing = [setting(a, i) for a, i in SETTINGS if (a, i) not in present]
    if missing:
        return not_tested(f"the isometry table has no {'; '.join(missing)}", [SUMMARY])
    depths = sorted(int(d) for d in df["depth"].unique())
    deep = [d for d in depths if d >= MIN_DEPTH]
    if not deep:
        return not_tested(
            f"the deepest network has {num(depths[-1])} layer, fewer than the "
            f"{num(MIN_DEPTH)} a product of layers needs",
            [SUMMARY],
        )
    deepest = depths[-1]
    st: dict[tuple[str, str, int], Statistic] = {}
    for a, i in SETTINGS:
        for d in depths:
            st[(a, i, d)] = spread_stat(df, a, i, d, concentrated=(a, i) == (TANH, ORTH))
    # "at any depth": every depth, the single layer included
    orth = by_form(
        "comparison", PART_ORTH, [part(setting(TANH, ORTH, d), st[(TANH, ORTH, d)]) for d in depths]
    )
    gauss_parts: list[Part] = [
        by_form(
            "comparison",
            f"spread at every depth from {num(MIN_DEPTH)} on",
            [part(setting(TANH, GAUSS, d), st[(TANH, GAUSS, d)]) for d in deep],
        ),
        part(f"wider than orthogonal tanh's at depth {deepest}", gap_stat(df, deepest)),
    ]
    if len(deep) > 1:
        gauss_parts.insert(
            1,
            part("grows with depth", growth_stat(df, deep[0], deepest)),
        )
    gauss = all_of(PART_GAUSS, gauss_parts)
    # "with any init": both inits the paper compares (orthogonal is its best case, s1 = 0)
    relu = by_form(
        "comparison",
        PART_RELU,
        [part(setting(RELU, i, d), st[(RELU, i, d)]) for i in (ORTH, GAUSS) for d in deep],
    )
    tree = all_of("E10", [orth, gauss, relu])

    med = {k: float(seeds_of(df, *k).median()) for k in st}  # per (activation, init, depth)
    pred = (
        df.groupby(["activation", "init", "depth"])["pred_rel_var"].first().astype(float).to_dict()
    )
    sd_ln = df.groupby(["activation", "init", "depth"])["sd_ln_sv"].median().astype(float).to_dict()
    values: dict[str, float] = {"depth": float(deepest), "min_depth": float(MIN_DEPTH)}
    rows = []
    for d in depths:
        row: list[object] = [d]
        for a, i in SETTINGS:
            key = f"{a}_{i}_d{d}"
            values[f"rel_var_{key}"] = med[(a, i, d)]
            values[f"pred_rel_var_{key}"] = float(pred[(a, i, d)])
            values[f"sd_ln_sv_{key}"] = float(sd_ln[(a, i, d)])
            row.append(fmt_stat(st[(a, i, d)], kind=False))
        rows.append(row)
    if len(depths) > INLINE_LIST:
        record_table(
            {
                "title": TABLE,
                "columns": ["depth", *(setting(a, i) for a, i in SETTINGS)],
                "rows": rows,
            }
        )
    shown = sorted({depths[0], *(d for d in (16,) if d in depths), deepest})
    per = "; ".join(
        f"{setting(a, i)}: "
        + ", ".join(f"depth {d}: {fmt_stat(st[(a, i, d)], kind=False)}" for d in shown)
        for a, i in SETTINGS
    )
    kinds = sorted({s.interval for s in st.values()})
    tanh = df[df["activation"] == TANH].iloc[0]
    seeds = sorted(set(df["seed"]))
    width = int(tanh["width"]) if "width" in df else None
    values["n_seeds"] = float(len(seeds))
    values["q_star"] = float(tanh["q_star"])
    values["sigma_w2"] = float(tanh["sigma_w2"])
    values["sigma_b2"] = float(tanh["sigma_b2"])
    values["chi1"] = float(tanh["chi1"])
    return result(
        tree,
        measured=f"the median over {num(len(seeds))} seeds of {STAT}, λ the squared singular "
        "values of the input-output Jacobian, per setting: "
        + per
        + f" ({'; '.join(kinds)})"
        + (f"; every depth in the appendix table “{TABLE}”" if len(depths) > INLINE_LIST else ""),
        expected=f"critical orthogonal tanh with {STAT} at most {num(ISOMETRY_VAR)} at every "
        f"depth; Gaussian tanh at the same point and ReLU at He above it from depth "
        f"{num(MIN_DEPTH)} on, Gaussian tanh growing with depth and above orthogonal tanh at "
        f"depth {deepest}",
        tolerance=f"per depth, the median over seeds of {STAT} ≤ {num(ISOMETRY_VAR)} for "
        f"concentrated and > {num(ISOMETRY_VAR)} for spread ({CI} bootstrap intervals over "
        f"seeds); {num(ISOMETRY_VAR)} is the spread of one square Gaussian layer "
        "(Marchenko–Pastur), so a concentrated stack is better conditioned than a single "
        "random layer. Gaussian tanh also needs its median ratio of the spread at the "
        f"deepest to the shallowest tested depth > 1 and its median minus orthogonal's > 0 "
        "at the deepest depth. ReLU is tested at both inits (orthogonal is the paper's best "
        "case). A comparison: each part supported when every depth clearly holds, refuted by "
        "clear failures without clear support, qualified with both",
        evidence="The isometry study: per seed one float64 network per setting"
        + (f" of width {width}" if width else "")
        + f", tanh at the critical point q* = {sig(values['q_star'])}, σ_w² = "
        f"{sig(values['sigma_w2'], 6)}, σ_b² = {sig(values['sigma_b2'])} (χ1 = "
        f"{sig(values['chi1'], 6)}) with orthogonal and Gaussian N(0, σ_w²/N) weights, "
        "ReLU at He (σ_w² = 2, σ_b² = 0) with orthogonal and Gaussian weights; the input "
        "x_0 = φ(h_0), h_0 ~ N(0, q* I), so every layer's pre-activations are at q*; the "
        "Jacobian J = ∂x_L/∂x_0 = D_L W_L ⋯ D_1 W_1 built by propagating the identity, its "
        "singular values by torch.linalg.svdvals after each depth "
        + ", ".join(str(d) for d in depths)
        + ". The singular values of J are the factors by which the back-propagated error δ "
        "is stretched between the output and the input.",
        figures=FIGURES,
        tables=[SUMMARY],
        note=_note(values, depths),
        values=values,
        headline=st[(TANH, ORTH, deepest)] if tree.verdict == "supported" else None,
    )


def _note(values: dict[str, float], depths: list[int]) -> str:
    """Measured against the paper's formula, and what ln σ shows; every number from the
    values."""
    d = depths[-1]
    parts = []
    cmp = []
    for a, i in SETTINGS:
        key = f"{a}_{i}_d{d}"
        cmp.append(
            f"{setting(a, i)} {sig(values[f'rel_var_{key}'])} against "
            f"{sig(values[f'pred_rel_var_{key}'])}"
        )
    parts.append(
        f"Measured against the paper's N → ∞ formula L·(μ2/μ1² − 1 − s1) at depth {d}: "
        + "; ".join(cmp)
        + ". Where the spectrum spreads, a finite width caps its largest values, so the "
        "measured spread falls short of the formula as L/N grows."
    )
    sd = [
        f"{setting(a, i)} {sig(values[f'sd_ln_sv_{a}_{i}_d{d}'])}"
        for a, i in SETTINGS
        if math.isfinite(values[f"sd_ln_sv_{a}_{i}_d{d}"])
    ]
    if sd:
        parts.append(
            f"The sd of ln σ over the non-zero singular values at depth {d} (median over "
            "seeds): " + "; ".join(sd) + ". ReLU's zero singular values (directions through "
            "a dead unit) are left out of it, and so are Gaussian tanh's below 10⁻¹⁰ of the "
            "largest."
        )
    return " ".join(parts)
