"""Checks settled by the theory stage and the probe grid (gradients at init)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import theory
from .registry import ClaimResult, Results, check, sig, spread

# ---- tolerances, fixed before the run ----------------------------------------
# Closed forms against an independent numerical method: float64 round-off only.
NUMERIC_TOL = 1e-9
# The sources quote thresholds to three decimals: agree when rounding agrees.
THREE_DECIMALS = 5e-4
# A gradient ratio within ±1 decade of the output layer's counts as "level";
# beyond ±2 decades it has clearly vanished or exploded at init.
LEVEL_DECADES = 1.0
BAD_DECADES = 2.0
# Seeds "matter" when the seed-to-seed sd of log10 ratio exceeds a tenth of a decade.
SEED_SD_DECADES = 0.1
# D1: sign agreement needed between mean per-layer factor and the overall ratio.
SIGN_AGREEMENT = 0.9

PROBE_SUMMARY = "probe.summary"
# "Vanishing" is judged on the back-propagated error δ (first hidden layer over
# output): the weight-gradient ratio also carries the forward activations, which
# in ReLU-like nets shrink or grow together with δ and hide the effect.
RATIO = "log10_delta_ratio"


def _deepest(summary: pd.DataFrame) -> int:
    return int(summary["depth"].max())


def _cell(summary: pd.DataFrame, activation: str, init: str, depth: int) -> pd.Series:
    sel = summary[
        (summary["activation"] == activation)
        & (summary["init"] == init)
        & (summary["depth"] == depth)
    ]
    return sel[RATIO].astype(float)


@check("A4")
def check_a4_tanh_n_derivative(r: Results) -> ClaimResult:
    curves = r.table("theory.derivatives")
    worst_diff, above = 0.0, 0
    ns = []
    for name, g in curves.groupby("activation"):
        if not str(name).startswith("tanh"):
            continue
        n = 1.0 if name == "tanh" else float(str(name).removeprefix("tanh_n"))
        ns.append(n)
        x = g["x"].to_numpy()
        closed = theory.tanh_n_derivative(x, n)
        worst_diff = max(worst_diff, float(np.max(np.abs(g["derivative"].to_numpy() - closed))))
        # Strictly below n away from 0 (float64 rounds to n within ~1e-8 of 0).
        away = np.abs(x) > 1e-6
        above += int(np.sum(g["derivative"].to_numpy()[away] >= n))
    ok = worst_diff < NUMERIC_TOL and above == 0
    return ClaimResult(
        "supported" if ok else "refuted",
        measured=f"max |autograd − n(1 − tanh²(nx))| = {sig(worst_diff)}; "
        f"{above} points with x ≠ 0 at or above n",
        expected="difference at round-off level; no point at or above n",
        tolerance=f"difference < {NUMERIC_TOL:g}",
        evidence=f"Autograd derivatives of tanh(n·x) on 801 points in [−4, 4] for n ∈ "
        f"{sorted(ns)} against the closed form.",
        figures=["activation_derivatives"],
        tables=["theory.derivatives"],
        values={"max_abs_diff": worst_diff},
    )


@check("A5")
def check_a5_t1_threshold(r: Results) -> ClaimResult:
    rows = r.table("theory.thresholds")
    rows = rows[rows["n"] > 1]
    worst = 0.0
    for n, t in zip(rows["n"], rows["t1"], strict=True):
        # Independent method: bisection on the derivative for the level 1/n.
        b = theory.bisect_threshold(lambda x, n=n: theory.tanh_n_derivative(x, n), 1 / n, 0, 20)
        worst = max(worst, abs(b - t))
    t1_2 = float(rows.loc[rows["n"] == 2, "t1"].iloc[0]) if (rows["n"] == 2).any() else np.nan
    ok = worst < NUMERIC_TOL
    return ClaimResult(
        "supported" if ok else "refuted",
        measured=f"closed form vs bisection: max difference {sig(worst)} over n ∈ "
        f"{[float(n) for n in rows['n']]}; t1(2) = {t1_2:.4f}",
        expected="the closed form t1(n) = artanh(√(1 − 1/n²))/n is where f′ = 1/n",
        tolerance=f"|closed form − bisection| < {NUMERIC_TOL:g}",
        evidence="For each n the level crossing f′(x) = 1/n was found by bisection on the "
        "derivative and compared with the formula; by symmetry t2 = −t1.",
        figures=["thresholds"],
        tables=["theory.thresholds"],
        values={"t1_2": t1_2, "max_abs_diff": worst},
    )


@check("A6")
def check_a6_widest_band(r: Results) -> ClaimResult:
    m = r.json("theory.maxima")
    n_int, t_int = m["t1_integer_argmax"], m["t1_integer_max"]
    n_star, t_star = m["t1_continuous_argmax"], m["t1_continuous_max"]
    integer_ok = n_int == 2 and abs(t_int - 0.658) < THREE_DECIMALS
    wider = t_star > t_int
    verdict = "supported" if integer_ok and wider else "refuted"
    return ClaimResult(
        verdict,
        measured=f"integer argmax n = {n_int}, t1 = {t_int:.4f}; continuous argmax "
        f"n = {n_star:.3f}, t1 = {t_star:.4f}",
        expected="n = 2 with ±0.658 among integers; a slightly wider band for some real n",
        tolerance=f"|t1(2) − 0.658| < {THREE_DECIMALS:g} and continuous max > integer max",
        evidence="t1 on a 200,001-point grid over n ∈ (1, 20], refined by golden-section search; "
        "the integer maximum over n = 2…20.",
        figures=["thresholds"],
        tables=["theory.maxima"],
        note=f"The continuous optimum is n ≈ {n_star:.2f}, only {t_star - t_int:.4f} wider "
        "than n = 2.",
        values={"n_star": n_star, "t_star": t_star, "t_int": t_int},
    )


@check("A2")
def check_a2_lecun_tanh(r: Results) -> ClaimResult:
    m = r.json("theory.maxima")["lecun"]
    s = r.table(PROBE_SUMMARY)
    depth = _deepest(s)
    inits = [i for i in ("lecun", "xavier") if i in set(s["init"])]
    has_variant = "lecun_tanh" in set(s["activation"]) and "tanh" in set(s["activation"])
    constants_ok = abs(m["f_at_1"] - 1) < 1e-3
    lines, better = [], []
    if has_variant:
        for init in inits:
            lv, tv = _cell(s, "lecun_tanh", init, depth), _cell(s, "tanh", init, depth)
            lines.append(f"{init}: scaled {spread(lv, 2)} vs tanh {spread(tv, 2)} decades")
            better.append(abs(lv.median()) < abs(tv.median()))
    if not has_variant:
        verdict = "qualified" if constants_ok else "refuted"
    elif constants_ok and all(better):
        verdict = "supported"
    elif constants_ok:
        verdict = "qualified"
    else:
        verdict = "refuted"
    return ClaimResult(
        verdict,
        measured=f"f(1) = {m['f_at_1']:.4f}, gain f′(0) = {m['gain_at_0']:.3f}, "
        f"|f″| peaks at x = {m['argmax_abs_f2']:.3f}, Var f(N(0,1)) = "
        f"{m['var_f_standard_normal']:.3f}; log10 ‖δ₁‖/‖δ_out‖ at depth {depth}: "
        + ("; ".join(lines) if lines else "variant not in this grid"),
        expected="f(±1) = ±1 (LeCun et al. 1998) and level gradients with unit-variance inits",
        tolerance="|f(1) − 1| < 1e-3; 'better' = smaller |median log10 ratio| than tanh",
        evidence="LeCun's constants recomputed from f(1) = 1 with b = 2/3; the variant and plain "
        "tanh compared in the probe grid under variance-preserving inits.",
        figures=["delta_heatmap"],
        tables=["theory.maxima", PROBE_SUMMARY],
        note="That the variant is 'commonly used' is a statement about practice, not tested "
        "here; its constants come from LeCun et al. 1998 (Efficient BackProp).",
        values={"f_at_1": m["f_at_1"], "gain_at_0": m["gain_at_0"]},
    )


@check("A12")
def check_a12_tanh_n_width(r: Results) -> ClaimResult:
    curves = r.table("theory.derivatives")
    s = r.table(PROBE_SUMMARY)
    depth = _deepest(s)
    widths = {}
    for name, g in curves.groupby("activation"):
        if str(name) == "tanh" or str(name).startswith("tanh_n"):
            n = 1.0 if name == "tanh" else float(str(name).removeprefix("tanh_n"))
            # Width of the region where the derivative is at least 0.1: "non-negligible".
            widths[n] = float(np.ptp(g.loc[g["derivative"] >= 0.1, "x"]))
    ns = sorted(widths)
    narrowing = all(widths[a] >= widths[b] for a, b in zip(ns[:-1], ns[1:], strict=True) if a >= 1)
    below_one = all(n < 1 for n in ns if n < 1)  # max derivative of tanh(nx) is n
    acts = sorted(a for a in set(s["activation"]) if a == "tanh" or a.startswith("tanh_n"))
    helps, lines = [], []
    for init in sorted(set(s["init"]) - {"zeros"}):
        base = _cell(s, "tanh", init, depth)
        if base.empty:
            continue
        for a in acts:
            if a == "tanh":
                continue
            v = _cell(s, a, init, depth)
            if v.empty:
                continue
            gain = abs(base.median()) - abs(v.median())
            if gain > LEVEL_DECADES:
                helps.append(f"{a}/{init}")
        lines.append(
            f"{init}: "
            + ", ".join(f"{a} {sig(float(_cell(s, a, init, depth).median()), 2)}" for a in acts)
        )
    if narrowing and below_one and not helps:
        verdict = "supported"
    elif narrowing and below_one:
        verdict = "qualified"
    else:
        verdict = "refuted"
    return ClaimResult(
        verdict,
        measured="width of {f′ ≥ 0.1}: "
        + ", ".join(f"n={n:g}: {widths[n]:.2f}" for n in ns)
        + f"; helps (|log10 ratio| ≥ {LEVEL_DECADES:g} decade closer to 0 than tanh at depth "
        f"{depth}): {', '.join(helps) or 'none'}",
        expected="narrower for larger n; n < 1 wider but capped below 1; no n helps deep nets",
        tolerance=f"'helps' = median |log10 ‖δ₁‖/‖δ_out‖| reduced by > {LEVEL_DECADES:g} decade",
        evidence="Derivative curves of tanh(n·x) and the probe grid's δ ratio "
        "(median over seeds) per n and init. " + "; ".join(lines),
        figures=["activation_derivatives", "delta_heatmap"],
        tables=["theory.derivatives", PROBE_SUMMARY],
        note="Where n > 1 'helps' it is because it multiplies the weights' scale, i.e. it acts "
        "as a different init (claim A14)."
        if helps
        else "",
        values={f"width_n{n:g}": w for n, w in widths.items()},
    )


@check("A16")
def check_a16_seed_spread(r: Results) -> ClaimResult:
    s = r.table(PROBE_SUMMARY)
    s = s[np.isfinite(s[RATIO].astype(float)) & (s["depth"] >= s["depth"].median())]
    sd = s.groupby(["activation", "init", "depth"])[RATIO].std(ddof=1).dropna()
    n_seeds = int(s.groupby(["activation", "init", "depth"]).size().min())
    frac = float((sd > SEED_SD_DECADES).mean())
    verdict = "supported" if frac > 0.5 and n_seeds >= 2 else "qualified"
    return ClaimResult(
        verdict,
        measured=f"seed-to-seed sd of log10 ‖δ₁‖/‖δ_out‖: median "
        f"{sig(float(sd.median()), 2)} decades; {frac:.0%} of {len(sd)} cells above "
        f"{SEED_SD_DECADES:g}",
        expected="noticeable variation between seeds, so single runs mislead",
        tolerance=f"supported if over half of the cells vary by > {SEED_SD_DECADES:g} decade (sd)",
        evidence=f"Every grid cell has {n_seeds}+ seeds; every number in this report carries "
        "its spread over seeds (mean ± sd, or median and range).",
        figures=["gradient_profiles"],
        tables=[PROBE_SUMMARY],
        values={"median_sd": float(sd.median()), "frac_cells": frac},
    )


@check("C3")
def check_c3_sigmoid_derivative(r: Results) -> ClaimResult:
    m = r.json("theory.maxima")
    curves = r.table("theory.derivatives")
    d = curves.loc[curves["activation"] == "sigmoid", "derivative"]
    ok = abs(m["sigmoid_derivative_max"] - 0.25) < NUMERIC_TOL and float(d.min()) > 0
    return ClaimResult(
        "supported" if ok else "refuted",
        measured=f"max {m['sigmoid_derivative_max']:.12f} at x = "
        f"{sig(m['sigmoid_derivative_argmax'])}; min on [−4, 4] = {sig(float(d.min()))} > 0",
        expected="in (0, 1/4], maximum 1/4 at x = 0",
        tolerance=f"|max − 0.25| < {NUMERIC_TOL:g}",
        evidence="Golden-section search on s(1 − s) and the autograd derivative on a grid.",
        figures=["activation_derivatives"],
        tables=["theory.maxima", "theory.derivatives"],
        values={"max": m["sigmoid_derivative_max"]},
    )


@check("C9")
def check_c9_relu_mitigates(r: Results) -> ClaimResult:
    s = r.table(PROBE_SUMMARY)
    depth = _deepest(s)
    inits = sorted(set(s["init"]) - {"zeros"})
    mitigates, still_vanishes, explodes, lines = [], [], [], []
    for init in inits:
        rl, sg = _cell(s, "relu", init, depth), _cell(s, "sigmoid", init, depth)
        if rl.empty or sg.empty:
            continue
        # Signed comparison: "less vanishing" means a larger (less negative) ratio.
        mitigates.append(rl.median() > sg.median())
        if rl.median() < -LEVEL_DECADES:
            still_vanishes.append(init)
        if rl.median() > LEVEL_DECADES:
            explodes.append(init)
        lines.append(f"{init}: relu {spread(rl, 2)}, sigmoid {spread(sg, 2)}")
    if not lines:
        return ClaimResult(
            "not tested", "—", "—", "—", evidence="relu and sigmoid are not both in this grid"
        )
    if all(mitigates) and still_vanishes:
        verdict = "supported"
    elif all(mitigates):
        verdict = "qualified"
    else:
        verdict = "refuted"
    return ClaimResult(
        verdict,
        measured=f"log10 ‖δ₁‖/‖δ_out‖ at depth {depth}: " + "; ".join(lines),
        expected="ReLU vanishes less than sigmoid under every init, but still vanishes under some",
        tolerance=f"'still vanishes' = median below −{LEVEL_DECADES:g} decade",
        evidence="ReLU against sigmoid in the probe grid at the deepest depth, per init. ReLU "
        f"still vanishes under: {', '.join(still_vanishes) or 'none'}; it explodes instead "
        f"under: {', '.join(explodes) or 'none'}.",
        figures=["delta_heatmap", "gradient_profiles"],
        tables=[PROBE_SUMMARY],
        note="Which architectures use which activation (CNNs vs RNNs) is a statement about "
        "practice and is not tested here. With ReLU the init decides: He keeps δ level, "
        "smaller variances vanish, N(0, 1) explodes.",
    )


@check("D1")
def check_d1_jacobian_product(r: Results) -> ClaimResult:
    s = r.table(PROBE_SUMMARY)
    s = s[(s["depth"] >= 4) & (s["init"] != "zeros")].copy()
    s = s[np.isfinite(s["slope_ln_delta"].astype(float)) & np.isfinite(s[RATIO].astype(float))]
    # The per-layer factor is fitted on the hidden layers only; the overall ratio
    # is measured end to end (first hidden layer vs logits), so they can disagree.
    clear = s[RATIO].abs() >= 1  # a decade or more either way
    factor_sign = np.sign(s.loc[clear, "slope_ln_delta"])
    agree = float((factor_sign == np.sign(s.loc[clear, RATIO])).mean())
    grows = s.loc[clear & (s["slope_ln_delta"] > 0)]
    shrinks = s.loc[clear & (s["slope_ln_delta"] < 0)]
    verdict = "supported" if agree >= SIGN_AGREEMENT else "refuted"
    return ClaimResult(
        verdict,
        measured=f"{agree:.1%} of {int(clear.sum())} networks agree; {len(grows)} with mean "
        "per-layer factor > 1 (‖δ‖ grows towards the input by a median "
        f"{sig(float(np.exp(grows['slope_ln_delta']).median()), 3)}× per layer), "
        f"{len(shrinks)} with factor < 1 (median "
        f"{sig(float(np.exp(shrinks['slope_ln_delta']).median()), 3)}× per layer)",
        expected="factors above one explode, below one vanish",
        tolerance=f"sign agreement ≥ {SIGN_AGREEMENT:.0%} between the fitted per-layer factor "
        "and the end-to-end ratio ‖δ₁‖/‖δ_out‖, among networks where it is ≥ 1 decade",
        evidence="The back-propagated δ norm per hidden layer in the probe grid (depth ≥ 4); "
        "the per-layer factor is exp of the fitted slope of ln‖δ‖ per layer.",
        figures=["gradient_profiles", "delta_heatmap"],
        tables=[PROBE_SUMMARY],
        note="The tutorial says the product explodes when the factors are 'greater than zero' "
        "and vanishes when 'less than zero'; the threshold is one, not zero (a factor of 0.5 "
        "is greater than zero and still vanishes).",
        values={"agreement": agree},
    )


@check("D5")
def check_d5_remedies(r: Results) -> ClaimResult:
    s = r.table(PROBE_SUMMARY)
    depth = _deepest(s)

    def med(a: str, i: str) -> float:
        v = _cell(s, a, i, depth)
        return float(v.median()) if not v.empty else np.nan

    base = med("sigmoid", "normal")
    act_only, init_only = med("relu", "normal"), med("sigmoid", "xavier")
    both = med("relu", "he")
    if np.isnan([base, both]).any():
        return ClaimResult(
            "not tested", "—", "—", "—", evidence="sigmoid/normal or relu/he is not in this grid"
        )
    fixed = abs(both) < LEVEL_DECADES
    base_bad = abs(base) > BAD_DECADES
    single = [v for v in (act_only, init_only) if not np.isnan(v)]
    single_enough = any(abs(v) < LEVEL_DECADES for v in single)
    if base_bad and fixed and single_enough:
        verdict = "supported"
    elif base_bad and fixed:
        verdict = "qualified"
    else:
        verdict = "refuted"
    return ClaimResult(
        verdict,
        measured=f"median log10 ‖δ₁‖/‖δ_out‖ at depth {depth}: sigmoid+N(0,1) "
        f"{sig(base, 3)}, ReLU+N(0,1) {sig(act_only, 3)}, sigmoid+Xavier {sig(init_only, 3)}, "
        f"ReLU+He {sig(both, 3)}",
        expected="changing activation and init brings the ratio to level",
        tolerance=f"level: |log10| < {LEVEL_DECADES:g}; bad: |log10| > {BAD_DECADES:g}",
        evidence="The tutorial's set-up against one change at a time and both, in the probe "
        "grid (gradients at initialisation).",
        figures=["delta_heatmap"],
        tables=[PROBE_SUMMARY],
        note=""
        if single_enough
        else "One change alone was not enough here: both together were needed.",
        values={"base": base, "both": both},
    )
