"""Finite-width fluctuations of ReLU gradients (E9; Hanin 2018, "Which Neural Net Architectures
Give Rise to Exploding and Vanishing Gradients?", NeurIPS; Hanin & Nica 2019, "Products of Many
Large Random Matrices and Gradients in Deep Neural Networks", Comm. Math. Phys. 2020).

Tested on the width study (``width.hanin``): ReLU networks at He init, every hidden layer of
one width, per (width, depth) point the variance over seeds of ln‖δ₁(x)‖², δ₁ = ∂L/∂z₁ the
back-propagated error at the first hidden layer for a fixed one-unit read-out, averaged over
the inputs x (the inputs share the weights: the noise that matters is over seeds). β is
Hanin's Σ_{j=1}^{d-1} 1/n_j over the hidden layers, depth/width here.

What the papers state, as found (the abstracts): Hanin 2018 — "the empirical variance of the
squares of the entries in the input-output Jacobian of N is exponential in [...] β, given by
the sum of the reciprocals of the hidden layer widths"; Hanin & Nica 2019 — "the logarithm of
the ℓ2 norm of such a product applied to any fixed vector is asymptotically Gaussian", with a
variance that "depends on the depth-to-width aspect ratio". The constant of that variance was
not found in the material searched, so only its sign (part 1) and the collapse onto β (part 2)
are tested; the measured slope is reported beside a one-layer calculation of this check's own
(``ONE_LAYER_VARIANCE``), not a figure quoted from the papers.

Intervals are bootstraps over seeds, whole seeds resampled jointly for every point (a seed's
depths share one network, see studies/width.py). A point where some network's δ₁ vanished
exactly (ln‖δ₁‖² = −∞: a layer with every unit off) has an infinite variance; it is counted
and left out of the fits, never dropped silently. Mean-field χ1 (= 1 for ReLU at He, at any
width) and the "wider is safer" reading at the deepest depth are reported beside the
verdict, not folded in.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from ..machinery.labels import num
from .registry import ClaimResult, Results, check, not_tested, result
from .stats import boot_rows, fmt_stat, sig, with_interval
from .verdict import CI, Part, Statistic, all_of, by_form, part

# ---- tolerances, fixed before the run ----------------------------------------
# "Grows with β": the least-squares slope of the variance against β is > 0, its whole
# bootstrap interval above 0 (a trend claim: the sign is what the papers assert).
SLOPE_MIN = 0.0
# "Collapses onto one curve": a straight line in β alone explains at least 90 % of the spread
# of the variance over the grid's (depth, width) points (R² ≥ 0.9, the interval's lower end).
# A variance driven by depth alone (the mean-field picture, χ1 = 1 at every width) or by width
# alone would leave most of that spread to the other axis (the grid crosses 5 depths with 4
# widths); the 10 % left allows the finite-width corrections of order 1/n that Hanin & Nica's
# Gaussian limit drops, largest at the narrowest widths.
R2_MIN = 0.9
# He init's gain: Var(W) = HE_GAIN / fan_in.
HE_GAIN = 2.0
# Mean-field χ1 of ReLU at He init: σ_w² E[φ'(h)²] = 2 · P(h > 0) = 2 · ½, at every width.
CHI1_RELU_HE = HE_GAIN * 0.5
# E[Z⁴]/E[Z²]² of a centred Gaussian: the value without fluctuations of the scale.
GAUSSIAN_M4 = 3.0
# This check's own one-layer calculation (not the papers'): ‖D W u‖² for a unit u, W ~ N(0, 2/n)
# and D the ReLU gates is (2/n) Σ_i B_i X_i, B_i ~ Bernoulli(½), X_i ~ χ²₁, with variance
# 4/n² · n · Var(B X) = (4 · (½ · 3 − ¼))/n = 5/n; a product over the layers then gives
# Var ln‖δ₁‖² ≈ 5β for small per-layer fluctuations.
ONE_LAYER_VARIANCE = 4 * (0.5 * 3 - 0.5**2)

TABLE = "width.hanin"
FIGURES = ["width_hanin_collapse"]
PART_TREND = "the variance over seeds of ln of the squared gradient grows with β"
PART_COLLAPSE = "it collapses onto one curve across depth and width"
VAR_NAME = "Var over seeds of ln‖δ₁‖² (mean over inputs)"


@dataclass
class Grid:
    """The study's table as arrays: per point (width, depth) its β, and ln‖δ₁‖² per seed."""

    widths: np.ndarray  # (P,)
    depths: np.ndarray  # (P,)
    betas: np.ndarray  # (P,)
    ln: np.ndarray  # (S, P, E): seeds × points × examples
    z2: np.ndarray  # (S, P, E)
    z4: np.ndarray  # (S, P, E)
    seeds: list[int]

    @property
    def finite(self) -> np.ndarray:
        """(P,) points where every network's δ₁ is non-zero."""
        return np.isfinite(self.ln).all(axis=(0, 2))


def grid_of(df: pd.DataFrame) -> Grid:
    """The table as a Grid over the seeds and examples every point has."""
    keys = df[["width", "depth"]].drop_duplicates().sort_values(["width", "depth"])
    pts = list(keys.itertuples(index=False, name=None))
    seeds = sorted(set.intersection(*(set(g["seed"]) for _, g in df.groupby(["width", "depth"]))))
    examples = sorted(set(df["example"]))
    d = df[df["seed"].isin(seeds)].set_index(["width", "depth", "seed", "example"]).sort_index()
    idx = pd.MultiIndex.from_tuples(
        [(w, dp, s, e) for w, dp in pts for s in seeds for e in examples]
    )
    shape = (len(pts), len(seeds), len(examples))

    def arr(col: str) -> np.ndarray:
        return d[col].astype(float).reindex(idx).to_numpy().reshape(shape).transpose(1, 0, 2)

    betas = d.groupby(level=["width", "depth"])["beta"].first().reindex(pts).to_numpy(float)
    return Grid(
        np.array([w for w, _ in pts]),
        np.array([dp for _, dp in pts]),
        betas,
        arr("ln_delta2"),
        arr("z2"),
        arr("z4"),
        seeds,
    )


def pooled_variance(ln: np.ndarray) -> np.ndarray:
    """(…, S, P, E) → (…, P): the variance over seeds (ddof 1) of each input, averaged over
    the inputs."""
    with np.errstate(invalid="ignore"):
        return np.var(ln, axis=-3, ddof=1).mean(axis=-1)


def fit(beta: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least squares v ≈ a + b·β over the last axis: (slope b, intercept a, R²), vectorised
    over any leading axes (the bootstrap's resamples)."""
    bc = beta - beta.mean()
    vm = v.mean(axis=-1, keepdims=True)
    slope = (bc * (v - vm)).sum(axis=-1) / (bc**2).sum()
    intercept = vm[..., 0] - slope * beta.mean()
    resid = v - (intercept[..., None] + slope[..., None] * beta)
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = 1 - (resid**2).sum(axis=-1) / ((v - vm) ** 2).sum(axis=-1)
    return slope, intercept, r2


def _boot(g: Grid, cols: np.ndarray, fn: Callable[[np.ndarray], np.ndarray]) -> tuple[float, float]:
    """Bootstrap over seeds of ``fn(variances of the points cols)``; fn: (N, P') → (N,)."""
    s, _, e = g.ln.shape
    sub = g.ln[:, cols, :]
    flat = sub.reshape(s, -1)
    return boot_rows(flat, lambda t: fn(pooled_variance(t.reshape(t.shape[0], s, -1, e))))


def slope_stat(g: Grid, cols: np.ndarray, name: str) -> Statistic:
    v = pooled_variance(g.ln[:, cols, :])
    b = g.betas[cols]
    value = float(fit(b, v)[0]) if len(cols) >= 2 else math.nan
    lo, hi = _boot(g, cols, lambda vv: fit(b, vv)[0]) if len(cols) >= 2 else (math.nan,) * 2
    return with_interval(
        name,
        value,
        lo,
        hi,
        f"{CI} bootstrap over {num(len(g.seeds))} seeds",
        SLOPE_MIN,
        "above",
        strict=True,
        n=len(g.seeds),
    )


def r2_stat(g: Grid, cols: np.ndarray) -> Statistic:
    v = pooled_variance(g.ln[:, cols, :])
    b = g.betas[cols]
    value = float(fit(b, v)[2])
    lo, hi = _boot(g, cols, lambda vv: fit(b, vv)[2])
    return with_interval(
        "R² of a straight line in β through the variances of every (depth, width) point",
        value,
        lo,
        hi,
        f"{CI} bootstrap over {num(len(g.seeds))} seeds",
        R2_MIN,
        "above",
        n=len(g.seeds),
    )


def matched_pairs(g: Grid, cols: np.ndarray) -> list[tuple[int, int]]:
    """Pairs of points (indices) with the same β = depth/width exactly."""
    ratio = {int(i): Fraction(int(g.depths[i]), int(g.widths[i])) for i in cols}
    out = []
    for a in cols:
        for b in cols:
            if a < b and ratio[int(a)] == ratio[int(b)]:
                out.append((int(a), int(b)))
    return out


def fourth_moment(g: Grid) -> np.ndarray:
    """(P,) Hanin 2018's normalised fourth moment of the Jacobian entries, E[Z⁴]/E[Z²]²,
    pooled over seeds, inputs and input coordinates."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return g.z4.mean(axis=(0, 2)) / g.z2.mean(axis=(0, 2)) ** 2


def _pt(g: Grid, i: int) -> str:
    return f"depth {int(g.depths[i])}, width {int(g.widths[i])}"


@check("E9")
def check_e9_width(r: Results) -> ClaimResult:
    df = r.table(TABLE)
    g = grid_of(df)
    if len(g.seeds) < 3:
        return not_tested("fewer than three seeds shared by every point", [TABLE])
    ok = np.flatnonzero(g.finite)
    lost = [int(i) for i in np.flatnonzero(~g.finite)]
    if len(ok) < 3 or len(set(g.betas[ok])) < 3:
        return not_tested(
            "fewer than three distinct values of β whose networks all kept a non-zero δ₁",
            [TABLE],
        )
    v_all = pooled_variance(g.ln)
    # part 1: the pooled slope, and the slope along depth at each width (the trend must hold
    # both across the whole grid and within each width)
    overall = slope_stat(g, ok, f"slope of the {VAR_NAME} against β, every (depth, width)")
    conds = [part("every (depth, width) point", overall)]
    per_width: dict[int, Statistic] = {}
    for w in sorted(set(g.widths.tolist())):
        cols = np.array([i for i in ok if g.widths[i] == w])
        if len(cols) >= 2:
            st = slope_stat(g, cols, f"slope of the {VAR_NAME} against β at width {w}")
            per_width[w] = st
            conds.append(part(f"width {w}, across depths", st))
    trend = by_form("trend", PART_TREND, conds)
    r2 = r2_stat(g, ok)
    collapse = by_form("trend", PART_COLLAPSE, [part("every (depth, width) point", r2)])
    tree: Part = all_of("E9", [trend, collapse])

    # ---- reported beside the verdict ----
    values: dict[str, float] = {
        "slope": overall.value,
        "r2": r2.value,
        "one_layer_variance": ONE_LAYER_VARIANCE,
        "chi1_relu_he": CHI1_RELU_HE,
        "n_seeds": float(len(g.seeds)),
        "n_points": float(len(ok)),
        "n_vanished_points": float(len(lost)),
    }
    _, intercept, _ = fit(g.betas[ok], v_all[ok])
    values["intercept"] = float(intercept)
    m4 = fourth_moment(g)
    for i in range(len(g.betas)):
        key = f"w{int(g.widths[i])}_d{int(g.depths[i])}"
        values[f"var_{key}"] = float(v_all[i])
        values[f"beta_{key}"] = float(g.betas[i])
        values[f"m4_{key}"] = float(m4[i])
    deepest = int(g.depths.max())
    wider = [i for i in np.argsort(g.widths) if g.depths[i] == deepest]
    wider_txt = ", ".join(f"width {int(g.widths[i])}: {sig(float(v_all[i]))}" for i in wider)
    pairs = []
    for a, b in matched_pairs(g, ok):
        cols = np.array([a, b])
        ratio = float(v_all[a] / v_all[b])
        lo, hi = _boot(g, cols, lambda vv: vv[..., 0] / vv[..., 1])
        pairs.append(
            f"{_pt(g, a)} against {_pt(g, b)} (β = {sig(float(g.betas[a]))}): ratio of "
            f"variances {sig(ratio)} [{sig(lo)}, {sig(hi)}]"
        )
    lo_i, hi_i = int(np.argmin(g.betas)), int(np.argmax(g.betas))
    measured = (
        f"{VAR_NAME} against β over {num(len(ok))} (depth, width) points, "
        f"{num(len(g.seeds))} seeds each: slope {fmt_stat(overall)}, R² of the line "
        f"{fmt_stat(r2, kind=False)}; per width along depth, slopes "
        + ", ".join(f"width {w}: {fmt_stat(st, kind=False)}" for w, st in per_width.items())
        + f". Beside the verdict: at depth {deepest}, the variance by width ({wider_txt}), "
        f"while mean-field χ1 of ReLU at He init is {num(CHI1_RELU_HE)} at every width"
    )
    note = [
        f"The measured slope, {sig(overall.value)} per unit of β, sits beside "
        f"{num(ONE_LAYER_VARIANCE)}, this check's own one-layer calculation for ReLU at He "
        f"init (‖D W u‖² = ({num(HE_GAIN)}/n) Σ B X with fair-coin gates B and squared "
        f"standard normals X has variance {num(ONE_LAYER_VARIANCE)}/n); the papers' "
        "constant was not found in the material searched, so it is not tested.",
        f"Hanin (2018)'s normalised fourth moment of the Jacobian entries Z = W₁ᵀδ₁, "
        f"E[Z⁴]/E[Z²]² pooled over seeds, inputs and input coordinates, is "
        f"{sig(float(m4[lo_i]))} at β = {sig(float(g.betas[lo_i]))} ({_pt(g, lo_i)}) and "
        f"{sig(float(m4[hi_i]))} at β = {sig(float(g.betas[hi_i]))} ({_pt(g, hi_i)}) "
        f"({num(GAUSSIAN_M4)} for a Gaussian).",
    ]
    if pairs:
        note.append("At equal β: " + "; ".join(pairs) + f" ({CI} bootstrap over seeds).")
    if lost:
        note.append(
            "Left out of the fits (some network's δ₁ vanished exactly, a layer with every unit "
            "off, so the variance is infinite): " + "; ".join(_pt(g, i) for i in lost) + "."
        )
    return result(
        tree,
        measured=measured,
        expected="the variance grows with β = Σ 1/n_l (positive slope) and a line in β alone "
        f"explains the points of every depth and width (R² ≥ {num(R2_MIN)})",
        tolerance=f"slope > {num(SLOPE_MIN)} over every point and within each width, and R² ≥ "
        f"{num(R2_MIN)}, each on its whole {CI} bootstrap interval over seeds (whole seeds "
        "resampled for every point at once). R² ≥ "
        f"{num(R2_MIN)}: a variance driven by depth alone or width alone would leave most of "
        "the spread to the other axis; the rest allows finite-width corrections of order 1/n. "
        "A trend claim: supported when every condition clearly holds, refuted by clear "
        "failures without clear support, qualified with both",
        evidence="The width study: ReLU networks at He init, zero biases, every hidden layer of "
        f"one width ({', '.join(str(int(w)) for w in sorted(set(g.widths.tolist())))}) at depths "
        f"{', '.join(str(int(d)) for d in sorted(set(g.depths.tolist())))}, on a fixed batch of "
        "digits; per seed and input, the back-propagated error δ₁ at the first hidden layer for "
        "a fixed one-unit read-out, and the input-output Jacobian of that output. Each depth is "
        "the first layers of one deeper network per seed.",
        figures=FIGURES,
        tables=[TABLE],
        note=" ".join(note),
        values=values,
        diverged={"runs": len(lost), "of": len(g.betas)} if lost else None,
        headline=overall,
    )
