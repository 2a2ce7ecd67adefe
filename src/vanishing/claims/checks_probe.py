"""Checks settled by the probe grid (gradients at initialisation), with the theory
tables where a claim also has an analytic part: A2, A12, C9, D1 (D5 reads the tutorial's
own set-up: checks_remedies).

The tested quantity is log10 ‖δ₁‖/‖δ_out‖, the back-propagated error at the first
hidden layer over the one at the logits, per network at the deepest probed depth.
Networks with the same seed share their weights across activations, so activation
comparisons are paired by seed; the interval is a bootstrap over seeds. A network
whose probe overflowed (non-finite gradient or loss) counts as exploded: its ratio
is +∞, never dropped.
"""

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
    fmt_stat,
    names,
    over_runs,
    quantity_gap,
    sig,
    spread,
)
from .verdict import CI, across, all_of, by_form, not_every, part, untested

# ---- tolerances, fixed before the run ----------------------------------------
# A gradient ratio within ±1 decade of the output layer's counts as "level";
# beyond 2 decades it has clearly vanished or exploded at init.
LEVEL_DECADES = 1.0
BAD_DECADES = 2.0
# A2: the constants make f(±1) = ±1 to the three decimals LeCun et al. quote.
LECUN_F1_TOL = 1e-3
# A2: unit-variance inits the scaled tanh was designed for.
LECUN_INITS = ("lecun", "xavier")
# A12: "useful" derivative = at least a tenth of tanh's peak slope.
USEFUL_DERIV = 0.1
# D1: sign agreement needed between the fitted per-layer factor and the end-to-end ratio.
SIGN_AGREEMENT = 0.9
# D1: only networks whose ratio moved by at least a decade have a clear direction.
CLEAR_DECADES = 1.0
# D1: depth at which a per-layer factor can be fitted on several layers.
D1_MIN_DEPTH = 4

SUMMARY, DERIV, MAXIMA = "probe.summary", "theory.derivatives", "theory.maxima"
RATIO = "log10_delta_ratio"
RATIO_NAME = "log10 ‖δ₁‖/‖δ_out‖"


def _signed(s: pd.DataFrame) -> pd.Series:
    """The ratio per row, +∞ where the probe overflowed (exploded)."""
    v = s[RATIO].astype(float)
    bad = s["status"] != FINITE if "status" in s else ~np.isfinite(v)
    return v.where(~bad, np.inf)


def _cell(s: pd.DataFrame, activation: str, init: str, depth: int) -> pd.Series:
    """Per-seed ratio of one grid cell, indexed by seed."""
    sel = s[(s["activation"] == activation) & (s["init"] == init) & (s["depth"] == depth)]
    return _signed(sel).set_axis(sel["seed"].to_numpy())


def _status(s: pd.DataFrame) -> pd.Series:
    st = s["status"] if "status" in s else pd.Series(FINITE, index=s.index)
    return st.set_axis(pd.MultiIndex.from_frame(s[["activation", "init", "depth", "seed"]]))


def _paired(a: pd.Series, b: pd.Series) -> pd.Series:
    """a − b per seed (seeds present in both); ∞ − ∞ (both overflowed) counts as 0."""
    a, b = a.align(b, join="inner")
    d = a - b
    return d.where(~(np.isinf(a) & np.isinf(b)), 0.0)


def _deepest(s: pd.DataFrame) -> int:
    return int(s["depth"].max())


# Titles of the appendix tables that long lists of conditions go to.
C9_STILL = "Inits under which ReLU still vanishes"


@check("A2")
def check_a2_lecun_tanh(r: Results) -> ClaimResult:
    m = r.json(MAXIMA)["lecun"]
    s = r.table(SUMMARY)
    depth = _deepest(s)
    constants = part(
        f"f(1) = 1 with a = {num(m['a'], 6)}, b = {num(m['b'], 4)}",
        exact("|f(1) − 1|", abs(m["f_at_1"] - 1), LECUN_F1_TOL, "below"),
    )
    acts = set(s["activation"])
    inits = [i for i in LECUN_INITS if i in set(s["init"])]
    conds, lines, used = [], [], []
    if {"lecun_tanh", "tanh"} <= acts and inits:
        for init in inits:
            lv, tv = _cell(s, "lecun_tanh", init, depth), _cell(s, "tanh", init, depth)
            d = _paired(lv.abs(), tv.abs())
            st = over_runs(
                f"median over seeds of |ratio| scaled − |ratio| tanh ({init})",
                d,
                0.0,
                "below",
                strict=True,
                unit=" decades",
            )
            conds.append(part(f"init {init}", st))
            lines.append(f"{label(init, 'init')}: scaled {spread(lv, 2)} vs tanh {spread(tv, 2)}")
            used.append(s[s["activation"].isin(["lecun_tanh", "tanh"]) & (s["init"] == init)])
        measured_part = across("the scaled tanh keeps δ more level than tanh", conds)
    else:
        measured_part = untested(
            "the scaled tanh keeps δ more level than tanh",
            "lecun_tanh and tanh are not both in this probe grid with a unit-variance init",
        )
    tree = all_of("A2", [constants, measured_part])
    status = _status(pd.concat(used)) if used else pd.Series(dtype=str)
    return result(
        tree,
        measured=f"f(1) = {num(m['f_at_1'], 5)}, gain f′(0) = {num(m['gain_at_0'], 4)}, "
        f"Var f(N(0,1)) = {num(m['var_f_standard_normal'], 3)}; {RATIO_NAME} at depth {depth}: "
        + ("; ".join(lines) if lines else "variant not in this grid"),
        expected="f(±1) = ±1 (LeCun et al. 1998) and more level gradients than tanh under "
        "unit-variance inits",
        tolerance=f"|f(1) − 1| ≤ {num(LECUN_F1_TOL)}; per init the median over seeds of the "
        f"paired difference |ratio(scaled)| − |ratio(tanh)| below 0 ({CI} bootstrap interval "
        "entirely below: supported; entirely above: refuted)",
        evidence="LeCun's constants recomputed from f(1) = 1 with the quoted b; the variant "
        "and plain "
        f"tanh compared in the probe grid at depth {depth}, paired by seed. "
        + (diverged_text(status, "networks") if len(status) else ""),
        figures=["delta_heatmap"],
        tables=[MAXIMA, SUMMARY],
        note="That the variant is 'in common use' is a statement about practice and is not "
        "tested here; its constants come from LeCun et al. 1998 (Efficient BackProp).",
        values={"f_at_1": m["f_at_1"], "gain_at_0": m["gain_at_0"]},
        diverged=diverged_of(status) if len(status) else None,
    )


def _tanh_n(name: str) -> float | None:
    if name == "tanh":
        return 1.0
    if name.startswith("tanh_n"):
        return float(name.removeprefix("tanh_n"))
    return None


@check("A12")
def check_a12_tanh_n_width(r: Results) -> ClaimResult:
    curves = r.table(DERIV)
    s = r.table(SUMMARY)
    depth = _deepest(s)
    widths, peaks = {}, {}
    for name, g in curves.groupby("activation"):
        n = _tanh_n(str(name))
        if n is not None:
            widths[n] = float(np.ptp(g.loc[g["derivative"] >= USEFUL_DERIV, "x"]))
            peaks[n] = float(g["derivative"].max())
    ns = sorted(widths)
    grows = sum(1 for a, b in zip(ns[:-1], ns[1:], strict=True) if a >= 1 and widths[b] > widths[a])
    narrows = part(
        "n > 1 narrows the useful region",
        exact("steps up in n (from n = 1) where the region widens", grows, 0, "below"),
    )
    small = [n for n in ns if n < 1]
    if small:
        below_one = part(
            "n < 1 keeps the derivative below 1",
            exact(
                "largest derivative of tanh(n·x), n < 1",
                max(peaks[n] for n in small),
                1.0,
                "below",
                strict=True,
            ),
        )
        wider = part(
            "n < 1 widens the useful region",
            exact(
                "width(n < 1) − width(n = 1)",
                min(widths[n] for n in small) - widths.get(1.0, np.inf),
                0.0,
                "above",
                strict=True,
            ),
        )
    else:
        below_one = untested("n < 1 keeps the derivative below 1", "no n < 1 in the theory tables")
        wider = untested("n < 1 widens the useful region", "no n < 1 in the theory tables")
    acts = sorted(a for a in set(s["activation"]) if _tanh_n(a) not in (None, 1.0))
    conds, lines, used = [], [], []
    for init in sorted(set(s["init"]) - {"zeros"}):
        base = _cell(s, "tanh", init, depth)
        if base.empty:
            continue
        for a in acts:
            v = _cell(s, a, init, depth)
            if v.empty:
                continue
            gain = _paired(base.abs(), v.abs())
            st = over_runs(
                f"median over seeds of |ratio(tanh)| − |ratio({label(a, 'activation')})|",
                gain,
                LEVEL_DECADES,
                "below",
                unit=" decades",
            )
            conds.append(part(condition(activation=a, init=init), st))
            used.append(s[s["activation"].isin(["tanh", a]) & (s["init"] == init)])
        lines.append(
            f"{label(init, 'init')}: "
            + ", ".join(
                f"{label(a, 'activation')} {sig(float(_cell(s, a, init, depth).median()), 2)}"
                for a in ["tanh", *acts]
            )
        )
    helps = (
        across("no n ≠ 1 brings δ closer to level by more than a decade", conds)
        if conds
        else untested("no n ≠ 1 helps a deep net", "tanh and a tanh(n·x) are not both in the grid")
    )
    tree = all_of("A12", [narrows, below_one, wider, helps])
    where = [c.name for c in conds if c.verdict == "refuted"]
    status = _status(pd.concat(used)) if used else pd.Series(dtype=str)
    return result(
        tree,
        measured=f"width of {{f′ ≥ {num(USEFUL_DERIV)}}}: "
        + ", ".join(f"n = {num(n, 6)}: {num(widths[n], 3)}" for n in ns)
        + f"; median {RATIO_NAME} at depth {depth} — "
        + "; ".join(lines)
        + f". n ≠ 1 brought δ more than {num(LEVEL_DECADES)} decade closer to level in: "
        + names(where, title="Where n ≠ 1 brought δ more than a decade closer to level"),
        expected="narrower for larger n; n < 1 wider but capped below 1; no n helps a deep net",
        tolerance=f"exact for the curves; per n and init the median over seeds of the paired "
        f"reduction of |{RATIO_NAME}| must stay ≤ {num(LEVEL_DECADES)} decade ({CI} bootstrap "
        "interval); qualified when it helps under some inits and not others",
        evidence="Derivative curves of tanh(n·x), and the probe grid's δ ratio per n and init, "
        "paired by seed with plain tanh. "
        + (diverged_text(status, "networks") if len(status) else ""),
        figures=["activation_derivatives", "delta_heatmap"],
        tables=[DERIV, SUMMARY],
        note=(
            "Where n > 1 'helps' it is because it multiplies the weights' scale, i.e. it acts "
            "as a different init (claim A14). "
            if where
            else ""
        )
        + quantity_gap(
            s, [(a, i, depth) for a in ["tanh", *acts] for i in sorted(set(s["init"]) - {"zeros"})]
        ),
        values={f"width_n{num(n, 6)}": w for n, w in widths.items()},
        diverged=diverged_of(status) if len(status) else None,
    )


@check("C9")
def check_c9_relu_mitigates(r: Results) -> ClaimResult:
    s = r.table(SUMMARY)
    depth = _deepest(s)
    mitigate, vanish, lines, used, explodes = [], [], [], [], []
    cells = []
    for init in sorted(set(s["init"]) - {"zeros"}):
        rl, sg = _cell(s, "relu", init, depth), _cell(s, "sigmoid", init, depth)
        if rl.empty or sg.empty:
            continue
        cells += [("relu", init, depth), ("sigmoid", init, depth)]
        name = condition(init=init, depth=depth)
        used.append(s[s["activation"].isin(["relu", "sigmoid"]) & (s["init"] == init)])
        # "closer to level": |ratio| is the distance from level in decades, so an
        # explosion counts as far from level as a vanishing of the same size
        closer = _paired(rl.abs(), sg.abs())
        mitigate.append(
            part(
                name,
                over_runs(
                    f"median over seeds of |{RATIO_NAME}|(ReLU) − |{RATIO_NAME}|(sigmoid)",
                    closer,
                    0.0,
                    "below",
                    strict=True,
                    unit=" decades",
                ),
            )
        )
        vanish.append(
            part(
                name,
                over_runs(
                    f"median over seeds of ReLU's {RATIO_NAME}",
                    rl,
                    -LEVEL_DECADES,
                    "below",
                    strict=True,
                    unit=" decades",
                ),
            )
        )
        if rl.median() > LEVEL_DECADES:
            explodes.append(f"{label(init, 'init')} ({sig(float(rl.median()), 3)} decades)")
        lines.append(f"{label(init, 'init')}: ReLU {spread(rl, 2)}, sigmoid {spread(sg, 2)}")
    if not lines:
        return not_tested("relu and sigmoid are not both in this grid", [SUMMARY])
    tree = all_of(
        "C9",
        [
            by_form("comparison", "ReLU's δ is closer to level than sigmoid's", mitigate),
            # "only mitigates" denies that ReLU cures vanishing: one init where ReLU's δ
            # still clearly vanishes supports it; none anywhere refutes it
            not_every("ReLU still vanishes under some init", vanish),
        ],
    )
    still = [p.name for p in vanish if p.verdict == "supported"]
    status = _status(pd.concat(used))
    return result(
        tree,
        measured=f"{RATIO_NAME} at depth {depth}: " + "; ".join(lines),
        expected="ReLU's δ is closer to level than sigmoid's, but still vanishes under some init",
        tolerance="per init: median over seeds of the paired difference of distances from level, "
        f"|ratio(ReLU)| − |ratio(sigmoid)|, below 0; 'still vanishes' = ReLU's median < "
        f"−{num(LEVEL_DECADES)} decade under some init (it denies a cure: one clear init supports "
        f"it, none refutes it); {CI} bootstrap intervals over "
        "seeds; the comparison is qualified where ReLU is closer under some inits and further "
        "under others",
        evidence=f"ReLU against sigmoid in the probe grid at depth {depth}, per init, paired by "
        f"seed. ReLU still vanishes under: {names(still, title=C9_STILL)}; it explodes instead "
        "(farther from "
        f"level than sigmoid, the opposite failure) under: {', '.join(explodes) or 'none'}. "
        + diverged_text(status, "networks"),
        figures=["delta_heatmap", "which_gradient"],
        tables=[SUMMARY],
        note="With ReLU the init decides whether δ vanishes, stays level or explodes. "
        + quantity_gap(s, [c for c in cells if c[0] == "relu"]),
        diverged=diverged_of(status),
    )


@check("D1")
def check_d1_jacobian_product(r: Results) -> ClaimResult:
    s = r.table(SUMMARY)
    s = s[(s["depth"] >= D1_MIN_DEPTH) & (s["init"] != "zeros")].copy()
    status = _status(s)
    ok = s["status"] == FINITE if "status" in s else pd.Series(True, index=s.index)
    s = s[ok & np.isfinite(s["slope_ln_delta"].astype(float)) & np.isfinite(s[RATIO].astype(float))]
    clear = s[RATIO].abs() >= CLEAR_DECADES
    factor_sign = np.sign(s.loc[clear, "slope_ln_delta"])
    n_clear = int(clear.sum())
    agree_k = int((factor_sign == np.sign(s.loc[clear, RATIO])).sum())
    agree = agree_k / n_clear if n_clear else np.nan
    grows = s.loc[clear & (s["slope_ln_delta"] > 0)]
    shrinks = s.loc[clear & (s["slope_ln_delta"] < 0)]
    stat = exact(
        "share of networks whose fitted per-layer factor and end-to-end ratio agree in "
        f"direction, every probe network of depth ≥ {num(D1_MIN_DEPTH)}",
        agree,
        SIGN_AGREEMENT,
        "above",
    )
    return result(
        part("D1", stat),
        measured=f"{fmt_stat(stat)}: {num(agree_k)} of {num(n_clear)} networks; "
        f"{num(len(grows))} with mean "
        "per-layer factor > 1 (‖δ‖ grows towards the input by a median "
        f"{sig(float(np.exp(grows['slope_ln_delta']).median()), 3)}× per layer), "
        f"{num(len(shrinks))} with factor < 1 (median "
        f"{sig(float(np.exp(shrinks['slope_ln_delta']).median()), 3)}× per layer)",
        expected="factors above one explode, below one vanish",
        tolerance=f"direction agreement ≥ {pct(SIGN_AGREEMENT)} among networks whose ratio moved "
        f"≥ {num(CLEAR_DECADES)} decade (exact count over every network)",
        evidence=f"The back-propagated δ norm per hidden layer in the probe grid (depth ≥ "
        f"{num(D1_MIN_DEPTH)}); the per-layer factor is exp of the fitted slope of ln‖δ‖ per "
        "layer. "
        + diverged_text(status, "networks")
        + " (overflowed networks have no factor to fit and "
        "are left out).",
        figures=["gradient_profiles", "delta_heatmap"],
        tables=[SUMMARY],
        note="Holds by construction: the δ norms are the chain rule's product of the same layer "
        "Jacobians, so a fitted per-layer factor and the end-to-end ratio can only disagree "
        "where the factors vary along the depth; this is a consistency check, not measured "
        "support. The tutorial says the product explodes when the factors are 'greater than "
        "zero' and vanishes when 'less than zero'; the threshold is one, not zero (a factor "
        "between zero and one is greater than zero and still vanishes).",
        values={"agreement": float(agree)},
        diverged=diverged_of(status),
    )
