"""Checks of the facts study (studies/facts), with the probe grid where a claim also
concerns deep nets: B11 (linear nets), C4 (N(0, 1) weights and sigmoid), C6 (tanh
vs sigmoid)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..machinery.labels import label, num, pct
from .registry import ClaimResult, Results, check, not_tested, result
from .stats import (
    FINITE,
    condition,
    diverged_of,
    diverged_text,
    exact,
    listing,
    names,
    over_runs,
    quantity_gap,
    sig,
    spread,
)
from .verdict import CI, across, all_of, part, untested

FACTS, SIGMOID_2L, LINEAR, SUMMARY = "facts.facts", "facts.sigmoid", "facts.linear", "probe.summary"
RATIO_COL = "log10_delta_ratio"
RATIO = "log10 ‖δ₁‖/‖δ_out‖"

# ---- tolerances, fixed before the run ----------------------------------------
# float64 round-off through a few dozen operations is ~1e-15; a wrong formula is off by
# O(1).
ROUNDOFF = 1e-12
ROUNDOFF_REL = 1e-10
# C4: "the weights lie in [−1, 1]" needs essentially all of them inside (99 %); the
# product is "tiny" when the first layer's gradient is below a tenth of the last's.
ALL_INSIDE = 0.99
TINY_RATIO = 0.1
# C6: a net "vanishes" when ‖δ₁‖/‖δ_out‖ is below one tenth (one decade).
VANISH_DECADES = 1.0


# Titles of the appendix tables that long lists of conditions go to.
C6_TOO = "Inits under which tanh clearly vanishes too"
C6_NOT = "Inits under which tanh clearly does not vanish"


@check("B11")
def check_b11_linear(r: Results) -> ClaimResult:
    df = r.table(LINEAR)
    worst = float(
        df[["additivity_residual", "homogeneity_residual", "product_residual"]].max().max()
    )
    too_high = int((df["rank"] > df["min_width"]).sum())
    tree = all_of(
        "B11",
        [
            part(
                "the net is the affine map of its weight product",
                exact(
                    "largest relative residual (additivity, homogeneity, weight product)",
                    worst,
                    ROUNDOFF_REL,
                    "below",
                    scale="log",
                ),
            ),
            part(
                "its rank is at most the narrowest width",
                exact(
                    "nets whose map has a rank above their narrowest layer", too_high, 0, "below"
                ),
            ),
        ],
    )
    return result(
        tree,
        measured=f"largest relative residual {sig(worst)}; rank of the product "
        f"{listing(df['rank'])} with narrowest layer "
        f"{int(df['min_width'].min())}, depths {listing(df['depth'])}, "
        f"{df['seed'].nunique()} seeds each",
        expected="an affine map x ↦ Mx + c with M = W_L⋯W_1, rank ≤ narrowest width",
        tolerance=f"relative residuals ≤ {num(ROUNDOFF_REL)}; rank ≤ min width (exact)",
        evidence="Deep nets with the identity activation and random biases, evaluated on "
        "Gaussian inputs in float64 and compared with the product of their weight matrices.",
        tables=[LINEAR],
        note="With biases the map is affine, not linear: f(x) − f(0) is the linear part.",
        values={"max_residual": worst, "max_rank": float(df["rank"].max())},
    )


@check("C4")
def check_c4_unit_interval(r: Results) -> ClaimResult:
    f = r.json(FACTS)
    inside = float(f["normal_inside_unit_exact"])
    s = r.table(SIGMOID_2L)
    first = s[s["layer"] == 1].set_index("seed")["grad_norm"]
    last = s[s["layer"] == s["layer"].max()].set_index("seed")["grad_norm"]
    ratio = (first / last).dropna()
    deriv = s[s["hidden"].astype(bool)]["sigmoid_deriv_mean"]
    tree = all_of(
        "C4",
        [
            part(
                "N(0, 1) weights lie in [−1, 1]",
                exact("share of N(0, 1) inside [−1, 1] (erf(1/√2))", inside, ALL_INSIDE, "above"),
            ),
            part(
                "the product is tiny",
                over_runs(
                    "median first/last weight-gradient norm, 2-hidden-layer sigmoid net",
                    ratio,
                    TINY_RATIO,
                    "below",
                    strict=True,
                    scale="log",
                ),
            ),
        ],
    )
    outside = 1 - inside
    return result(
        tree,
        measured=f"N(0,1) inside [−1, 1]: {sig(inside, 4)} exactly "
        f"({sig(f['normal_inside_unit_mc'], 4)} "
        f"of {num(f['normal_n_samples'])} draws); 2-hidden-layer sigmoid net: first/last "
        f"weight-gradient norm {spread(ratio)}, mean σ′ in hidden layers {spread(deriv)}",
        expected="all weights in [−1, 1]; a tiny first-layer gradient",
        tolerance=f"'all' = ≥ {pct(ALL_INSIDE)} inside (exact); 'tiny' = median first/last "
        f"gradient norm < {num(TINY_RATIO)} ({CI} bootstrap over seeds)",
        evidence="The normal law's mass inside [−1, 1], checked by Monte Carlo; a sigmoid MLP "
        "with two hidden layers of N(0, 1) weights, one backward pass on a digits batch.",
        tables=[FACTS, SIGMOID_2L],
        note=f"The premise is wrong: N(0, 1) puts {sig(100 * outside)} % of its mass outside "
        "[−1, 1] and has no bound at all. With that many large weights the sigmoids saturate "
        "(mean σ′ well below ¼), which shrinks the gradient, but each layer also sums over "
        f"its units: the first layer's gradient is (median) {sig(float(ratio.median()))}× the "
        "last's.",
        values={"inside_frac": inside, "ratio_median": float(ratio.median())},
    )


def _signed(s: pd.DataFrame) -> pd.Series:
    v = s[RATIO_COL].astype(float)
    bad = (s["status"] != FINITE) if "status" in s else ~np.isfinite(v)
    return v.where(~bad, np.inf)


def _grid(facts: dict) -> str:
    """The facts study's grid for the identity, "[−20, 20], 400,001 points, float64"."""
    lo, hi = facts["tanh_identity_range"]
    return f"[{num(lo)}, {num(hi)}], {num(int(facts['tanh_identity_points']))} points, float64"


@check("C6")
def check_c6_tanh_sigmoid(r: Results) -> ClaimResult:
    f = r.json(FACTS)
    err = float(f["tanh_identity_max_abs_error"])
    summary = r.table(SUMMARY)
    depth = int(summary["depth"].max())
    deep = summary[(summary["depth"] == depth) & summary["activation"].isin(["tanh", "sigmoid"])]
    if deep["activation"].nunique() < 2:
        return not_tested("the probe grid lacks tanh or sigmoid", [FACTS, SUMMARY])
    deep = deep.assign(r=_signed(deep))
    med = deep.groupby(["activation", "init"])["r"].median().unstack("activation")
    sig_vanish = med.index[med["sigmoid"] < -VANISH_DECADES]
    conds = [
        part(
            condition(init=init),
            over_runs(
                f"median {RATIO}, tanh",
                deep[(deep["activation"] == "tanh") & (deep["init"] == init)]["r"],
                -VANISH_DECADES,
                "below",
                strict=True,
                unit=" decades",
            ),
        )
        for init in sig_vanish
    ]
    inherits = (
        across("tanh nets vanish wherever sigmoid nets do", conds)
        if conds
        else untested(
            "tanh nets vanish wherever sigmoid nets do",
            "sigmoid nets vanish under no init in this grid",
        )
    )
    tree = all_of(
        "C6",
        [
            part(
                "tanh(x) = 2σ(2x) − 1",
                exact("max |tanh(x) − (2σ(2x) − 1)|", err, ROUNDOFF, "below", scale="log"),
            ),
            inherits,
        ],
    )
    status = (
        deep.set_index(["activation", "init", "seed"])["status"]
        if "status" in deep
        else pd.Series(dtype=str)
    )
    too = [c.name for c in conds if c.verdict == "supported"]
    not_too = [c.name for c in conds if c.verdict == "refuted"]
    cells = "; ".join(
        f"{label(i, 'init')}: sigmoid {sig(row.sigmoid)}, tanh {sig(row.tanh)}"
        for i, row in med.iterrows()
    )
    with_too = names(too, title=C6_TOO) if too else "no init"
    with_not = names(not_too, title=C6_NOT) if not_too else "no init"
    return result(
        tree,
        measured=f"max |tanh(x) − (2σ(2x) − 1)| = {sig(err)} ({_grid(f)}); median "
        f"{RATIO} at depth {depth} — {cells}",
        expected="the identity holds; tanh nets vanish wherever sigmoid nets do",
        tolerance=f"identity error ≤ {num(ROUNDOFF)} (exact); under every init where sigmoid's "
        f"median is below −{num(VANISH_DECADES)} decade, tanh's median below it too ({CI} "
        "bootstrap over seeds); qualified when tanh vanishes under some of those inits only",
        evidence="The identity on a fine float64 grid; the probe grid's ‖δ₁‖/‖δ_out‖ ratios of "
        "tanh and sigmoid nets at the deepest depth, per init. "
        + (diverged_text(status, "networks") if len(status) else ""),
        figures=["delta_heatmap"],
        tables=[FACTS, SUMMARY],
        note=f"At initialisation tanh clearly vanishes too with {with_too} and clearly not with "
        f"{with_not}: the identity gives tanh′(x) = 4σ′(2x), a peak slope of 1 instead of ¼, so "
        "tanh shares the saturation but not the ¼ ceiling. "
        + quantity_gap(summary, [(a, i, depth) for i in med.index for a in ("tanh", "sigmoid")]),
        values={"identity_error": err, "n_inits_sigmoid_vanishes": float(len(sig_vanish))},
        diverged=diverged_of(status) if len(status) else None,
    )
