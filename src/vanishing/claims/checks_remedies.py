"""Claim D5 (source D): the remedies for the tutorial's vanishing gradient are a different
activation (ReLU) and a different initialisation.

Read as the catalogue reads it: each remedy is an existence ("can fix") claim in the
tutorial's set-up (4 hidden sigmoid layers, N(0, 1) weights, width 64 here), tested on the
tutorial's quantity, the weight gradient ∂L/∂W_l. Table ``source_d.remedies`` holds, at step 0
on D3's minibatch, ‖∂L/∂W_l‖ and ‖δ_l‖ of every set-up × depth × seed × layer. The tested
number per network is log10 ‖∂L/∂W_1‖/‖∂L/∂W_out‖ (first layer over output layer).

Structure: a premise (the tutorial's set-up vanishes at its depth; a failing premise
refutes the claim) and one existence part per remedy. Depth 4 is in scope; deeper nets are
generalisation (reported, never in the verdict). Changing both (ReLU with He) is reported as
a reference, outside the claim. The δ ratio is quoted where it disagrees with the weight
gradient by more than a decade (in ReLU nets the forward activations and δ scale together,
so a level weight-gradient ratio can hide an exploding δ). An overflowed network counts
against "level": its ratio is +∞ (the one divergence rule, ``stats.count_diverged``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..machinery.labels import num
from .registry import ClaimResult, Results, check, not_tested, result
from .stats import (
    condition,
    count_diverged,
    diverged_of,
    diverged_text,
    listing,
    over_runs,
    sig,
)
from .verdict import CI, Part, all_of, by_form, outside, part, untested

# ---- tolerances, fixed before the run ----------------------------------------
# The tutorial's depth: 4 hidden layers. Its conditions are the claim's scope.
TUTORIAL_DEPTH = 4
# Premise: the tutorial's own observation (D3): the first layer's weight gradient is
# smaller than the output layer's (median log10 ratio below 0), i.e. the spread narrows
# towards the input. How much it has vanished at depth 4 is reported, not required.
VANISH_DECADES = 0.0
# A remedy brings the ratio closer to level than the tutorial's set-up: the median over
# seeds of |ratio(remedy)| − |ratio(tutorial's)| below 0 (distance from level, so an
# explosion is no remedy either).
# The δ ratio is quoted where its median differs from the weight-gradient ratio's by more.
DISAGREE_DECADES = 1.0

REMEDIES = "source_d.remedies"
CRITICAL = "critical"  # the study's init name of the activation's critical σ_w²
RATIO_NAME = "log10 ‖∂L/∂W_1‖/‖∂L/∂W_out‖"
BASELINE = ("sigmoid", "normal")
BOTH = ("relu", "he")


def _ratios(t: pd.DataFrame, col: str) -> pd.DataFrame:
    """Per network (activation, init, depth, seed): log10 first layer / output layer of
    ``col``, its status and σ_w²."""
    keys = ["activation", "init", "depth", "seed"]
    first = t[t["layer"] == 1].set_index(keys)
    last = t[t["layer"] == t["depth"] + 1].set_index(keys)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log10(first[col].astype(float) / last[col].reindex(first.index).astype(float))
    return pd.DataFrame(
        {"ratio": ratio, "status": first["status"], "sigma_w2": first["sigma_w2"]}
    ).sort_index()


def _init_label(init: str, sigma_w2: float) -> str:
    """The init as a reader names it; the critical one by its σ_w²."""
    if init == CRITICAL:
        return f"critical σ_w² = {sig(sigma_w2, 3)} (χ1 = 1)"
    return init  # condition() labels the code name


def _name(activation: str, init: str, depth: int, sigma_w2: float) -> str:
    return condition(activation=activation, init=_init_label(init, sigma_w2), depth=depth)


def _values(r: pd.DataFrame, activation: str, init: str, depth: int) -> pd.Series:
    """Per-seed ratio of one set-up at one depth, +∞ where the network overflowed."""
    try:
        sel = r.loc[(activation, init, depth)]  # type: ignore[index]  # stubs: a MultiIndex key
    except KeyError:
        return pd.Series(dtype=float)
    return count_diverged(sel["ratio"], sel["status"], np.inf)


def _medians(r: pd.DataFrame, activation: str, init: str, depths: list[int]) -> list[float]:
    vs = [_values(r, activation, init, d) for d in depths]
    return [float(np.median(v)) if len(v) else float("nan") for v in vs]


@check("D5")
def check_d5_remedies(r: Results) -> ClaimResult:
    t = r.table(REMEDIES)
    if t.empty:
        return not_tested("the remedies table is empty", [REMEDIES])
    w = _ratios(t, "weight_grad_norm")
    d = _ratios(t, "delta_norm")
    depths = sorted(int(x) for x in set(t["depth"]))
    setups = t.drop_duplicates(["activation", "init"])[["change", "activation", "init", "sigma_w2"]]
    sw2 = {(a, i): float(s) for _, (_, a, i, s) in setups.iterrows()}
    if BASELINE not in sw2:
        return not_tested(
            "the tutorial's set-up (sigmoid, N(0, 1)) is not in the table", [REMEDIES]
        )

    def conditions(pairs: list[tuple[str, str]]) -> list[Part]:
        out = []
        for a, i in pairs:
            for depth in depths:
                v = _values(w, a, i, depth)
                b = _values(w, *BASELINE, depth)
                if v.empty or b.empty:
                    continue
                # paired by seed (both indexed by seed)
                closer = (v.abs() - b.abs()).dropna()
                out.append(
                    part(
                        _name(a, i, depth, sw2[(a, i)]),
                        over_runs(
                            f"median over seeds of |{RATIO_NAME}| minus the tutorial's set-up's",
                            closer,
                            0.0,
                            "below",
                            strict=True,
                            unit=" decades",
                        ),
                        in_scope=depth == TUTORIAL_DEPTH,
                    )
                )
        return out

    by_change = {
        c: [(a, i) for _, (cc, a, i, _s) in setups.iterrows() if cc == c]
        for c in ("activation", "init", "both")
    }
    base = _values(w, *BASELINE, TUTORIAL_DEPTH)
    if base.empty:
        premise = untested(
            "at depth 4 the tutorial's set-up's weight gradient shrinks towards the input",
            f"depth {num(TUTORIAL_DEPTH)} is not among the remedy depths {listing(depths)}",
        )
    else:
        premise = part(
            f"at depth {num(TUTORIAL_DEPTH)} the tutorial's set-up's weight gradient shrinks "
            "towards the input",
            over_runs(
                f"median over seeds of {RATIO_NAME}, sigmoid, N(0, 1)",
                base,
                -VANISH_DECADES,
                "below",
                strict=True,
                unit=" decades",
            ),
        )
    activation = by_form(
        "existence",
        "changing the activation (ReLU) is a remedy",
        conditions(by_change["activation"]),
    )
    init = by_form(
        "existence", "changing the initialisation is a remedy", conditions(by_change["init"])
    )
    parts = [premise, activation, init]
    if by_change["both"]:
        parts.append(
            outside(
                by_form(
                    "existence",
                    "changing both (ReLU, He), for reference",
                    conditions(by_change["both"]),
                )
            )
        )
    tree = all_of("D5", parts)

    # ---- the row's text: every set-up's ratio per depth, δ where it disagrees ----
    at = ", ".join(str(x) for x in depths)
    lines = []
    for _, (change, a, i, s) in setups.iterrows():
        wm = _medians(w, a, i, depths)
        dm = _medians(d, a, i, depths)
        who = condition(activation=a, init=_init_label(i, s))
        tag = " (the tutorial's)" if change == "none" else ""
        line = f"{who}{tag}: " + ", ".join(sig(x, 3) for x in wm)
        gap = [
            (depth, x)
            for depth, x, y in zip(depths, dm, wm, strict=True)
            if not (np.isfinite(x) and np.isfinite(y)) or abs(x - y) > DISAGREE_DECADES
        ]
        if gap:
            line += " (δ ratio " + ", ".join(f"{sig(x, 3)} at depth {g}" for g, x in gap) + ")"
        lines.append(line)
    measured = f"∂L/∂W ratio ({RATIO_NAME}, median over seeds) at depths {at}: " + "; ".join(lines)
    status = pd.Series(
        w["status"].to_numpy(),
        index=[
            f"{_name(a, i, int(depth), sw2[(a, i)])}, seed {seed}" for a, i, depth, seed in w.index
        ],
    )
    fixed = [
        c.name
        for p in (activation, init)
        for c in p.children
        if c.in_scope and c.verdict == "supported"
    ]
    deeper = [
        c.name
        for p in (activation, init)
        for c in p.children
        if not c.in_scope and c.verdict == "supported"
    ]
    base_med = float(np.median(base)) if not base.empty else float("nan")
    deeper_base = [
        f"{sig(x, 3)} at depth {dd}"
        for dd, x in zip(depths, _medians(w, *BASELINE, depths), strict=True)
        if dd != TUTORIAL_DEPTH
    ]
    crit = [s for (_a, i), s in sw2.items() if i == CRITICAL]
    note = (
        f"The tutorial's set-up at depth {num(TUTORIAL_DEPTH)}: median {RATIO_NAME} = "
        f"{sig(base_med, 3)} decades"
        + (f" (deeper: {', '.join(deeper_base)})" if deeper_base else "")
        + f". Changes that bring it closer to level at depth {num(TUTORIAL_DEPTH)}: "
        f"{'; '.join(fixed) or 'none'}. "
        f"In deeper nets (generalisation): {'; '.join(deeper) or 'none'}."
    )
    if crit:
        note += (
            f" The critical init is sigmoid's order-to-chaos point at zero bias, σ_w² = "
            f"{sig(crit[0], 3)}, where mean-field χ1 = σ_w² E[φ'(h)²] at the fixed point q* "
            "rises through 1; weights N(0, σ_w²/fan_in)."
        )
    if premise.verdict == "refuted":
        note += (
            f" The premise fails: at depth {num(TUTORIAL_DEPTH)} the first layer's weight "
            "gradient is "
            "not smaller than the output layer's, so there is nothing for a remedy to level."
        )
    elif np.isfinite(base_med) and base_med > -1:
        note += (
            f" At the tutorial's depth the imbalance is mild (less than a decade): N(0, 1) "
            f"weights here are σ_w² = {sig(sw2[BASELINE], 3)} (width × 1)"
            + (f", near the critical {sig(crit[0], 3)}" if crit else "")
            + "; the tutorial's width is unknown, and a narrower net (smaller σ_w²) shrinks "
            "faster."
        )
    values = {"base_depth4": base_med}
    for (a, i), s in sw2.items():
        v = _values(w, a, i, TUTORIAL_DEPTH)
        values[f"{a}/{i}"] = float(np.median(v)) if not v.empty else float("nan")
        if i == CRITICAL:
            values["critical_sigma_w2"] = s
    return result(
        tree,
        measured=measured,
        expected="the tutorial's set-up's first-layer weight gradient is smaller than the "
        "output layer's, and changing the activation to ReLU, or the initialisation, brings "
        "it closer to level",
        tolerance=f"premise: median {RATIO_NAME} < {num(VANISH_DECADES)} at depth "
        f"{num(TUTORIAL_DEPTH)} (a failing premise refutes); a remedy: median over seeds of "
        f"|ratio| − |the tutorial's ratio| < 0 (closer to level, an explosion is as far from "
        f"level as a vanishing); {CI} bootstrap intervals over seeds; each remedy is an "
        f"existence claim (one clear case at depth {num(TUTORIAL_DEPTH)} supports it, "
        "counter-examples never refute it); deeper nets are generalisation; an overflowed "
        "network counts as ratio +∞",
        evidence="Step-0 weight gradients and back-propagated errors of the tutorial's net "
        "(sigmoid, N(0, 1)) against one change at a time, on the minibatch D3 reads at step 0, "
        f"at depths {at}. " + diverged_text(status, "networks"),
        figures=[],
        tables=[REMEDIES],
        note=note,
        values=values,
        diverged=diverged_of(status),
    )
