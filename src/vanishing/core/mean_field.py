"""Mean-field theory of signal propagation through wide random MLPs, numpy only.

Pre-activations of a wide layer with weights N(0, σ_w²/fan_in) and biases N(0, σ_b²) are
Gaussian, h ~ N(0, q) (Poole et al. 2016; Schoenholz et al. 2017). This module holds, once:

- Gaussian expectations E[f(h)]: ``Trapezoid``, a dense trapezoid rule on z = h/√q, for one
  q or an array of them (every mean-field number is computed with it: it stays accurate at
  large q, where Gauss-Hermite fails for saturating φ), and ``gauss_expectation``,
  Gauss-Hermite (here the meanfield study's cross-check column; the products study and the
  theory stage also use it, for smooth integrands at moderate q);
- the length map q ← σ_w² E[φ(h)²] + σ_b² (``q_map``) and where it ends, ``q_fixed_point``
  (one cell, by iterating) and ``q_fixed_points`` (many cells, by root finding on the
  tabulated ``Moments``);
- χ1 = σ_w² E[φ'(h)²]: ``chi1`` (one q), ``chi1_at`` and ``chi1_fixed`` (many cells);
- the per-layer ½ ln χ1 profile and the slope of ln‖δ‖ it predicts: ``half_ln_chi1_profile``
  (one cell), ``half_ln_chi1_profiles`` (many), ``slope_from_profile``, ``trajectory_slope``,
  and ``backward_slope``, the least-squares fit that measured and predicted slopes share;
- the critical line χ1 = 1, σ_w² for given σ_b²: ``critical_line``.

Stages that use it: meanfield (E1: χ1 at q* and the predicted slopes), phase (E6: the
theory and critical tables; source_d takes sigmoid's critical σ_w² through the phase study),
summarise_probe (``backward_slope``), products and theory (``gauss_expectation``).

φ and φ' come in as numpy callables. Turning a torch activation into them, with φ' the
derivative back-propagation uses, needs torch, so it lives in ``studies.meanfield.numpy_fns``.

One cell and many cells are two code paths on purpose, because merging them would change the
published digits of one study's tables. The one-cell q* iterates the map and stops at a
relative step of 1e-10; the many-cell q* finds the root of the map on a ln q table. Where the
map converges they agree to ~1e-10 relative, not bit for bit. Where it creeps, iterating
reports the limit it creeps to and root finding a root where the grid stops resolving the map
(tanh at σ_w² = 1: 0 against 8e-17; ELU and softplus at σ_w² = 2: ∞ against 1e16 and 1e7);
χ1 agrees to ~4e-11 in every case. The profiles take ½ ln χ1 with ``math.log`` and ``np.log``,
which differ in the last bit for about one value in 10⁴.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]
# φ, φ' or any integrand: element-wise on an array of h.
Fn = Callable[[Array], Array]
# A quadrature rule: rule(f, q) = E[f(h)], h ~ N(0, q). A Trapezoid, or Gauss-Hermite as
# functools.partial(gauss_expectation, order=...).
Rule = Callable[[Fn, float], float]

# q above this counts as diverged (q* = ∞): χ1 is then its large-q limit, evaluated here.
Q_CAP = 1e30
# q below this counts as collapsed to 0: χ1 is then σ_w² φ'(0)², evaluated here.
Q_FLOOR = 1e-30
# The ln q table from Q_FLOOR to Q_CAP (10 points per decade): between two neighbours a
# fixed point or a critical q* is then found by false position on the exact expectation.
Q_TABLE = 601
ROOT_TOL = 1e-13  # in ln q
ROOT_STEPS = 200
# A finite q* is resolved while √q*·Δz ≤ RESOLVE (Δz: the trapezoid's spacing in z).
RESOLVE = 0.2
# A candidate critical point counts if χ1 at the fixed point is on opposite sides of 1
# at σ_w²·(1 ∓ CRIT_EPS).
CRIT_EPS = 1e-3


# ---- Gaussian expectations -------------------------------------------------------------


class Trapezoid:
    """E[f(h)], h ~ N(0, q), on a fixed grid of z = h/√q: accurate whatever q is, because
    a function saturating on the scale 1/√q in z is resolved down to the grid spacing."""

    def __init__(self, points: int) -> None:
        # An even number of points keeps z = 0 off the grid: a kink or jump there
        # (ReLU family) then splits its mass evenly, as the exact integral does.
        points += points % 2
        self.z = np.linspace(-12.0, 12.0, points)
        w = np.exp(-0.5 * self.z**2)
        w[[0, -1]] *= 0.5
        self.w = w / w.sum()

    def __call__(self, f: Fn, q: float) -> float:
        """E[f(h)] for one q."""
        return float(self.expect(f, q))

    def expect(self, f: Fn, q: ArrayLike) -> Array:
        """E[f(h)] for every q of an array (its shape); f sees an array with one more axis."""
        q = np.asarray(q, dtype=float)
        h = np.sqrt(q)[..., None] * self.z
        return np.sum(self.w * f(h), axis=-1)


@lru_cache(maxsize=16)
def _hermegauss(order: int) -> tuple[Array, Array]:
    """Cached nodes and weights: an iterated length map calls the quadrature hundreds of times."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        nodes, weights = np.polynomial.hermite_e.hermegauss(order)
    if not np.all(np.isfinite(weights)):
        # numpy's weight formula overflows for orders above roughly 300.
        raise ValueError(f"Gauss-Hermite order {order} is too large for float64 weights")
    nodes.flags.writeable = False  # shared through the cache, so guard against mutation
    weights.flags.writeable = False
    return nodes, weights


def gauss_expectation(fn: Callable[[Array], Any], q: float, order: int = 101) -> float:
    """E[fn(h)] for h ~ N(0, q) by probabilists' Gauss-Hermite quadrature; fn must vectorise.

    Accuracy is excellent for smooth fn at moderate q, but degrades for functions that saturate
    on a scale much smaller than sqrt(q) (E[tanh(h)^2]: error ~1e-11 at q=1, ~4e-6 at q=4, ~7e-3
    at q=25 with order 101). Odd orders put a node at h = 0, which matters for a step at 0: an
    odd rule gives ReLU's φ'(0) about 8 % of the mass (χ1 = 0.94 instead of 1 for He).
    """
    if q < 0:
        raise ValueError(f"variance must be >= 0, got {q}")
    if q == 0:
        # Degenerate Gaussian: the expectation is the value at the mean.
        return float(np.asarray(fn(np.zeros(1)), dtype=float).reshape(-1)[0])
    nodes, weights = _hermegauss(order)
    values = np.asarray(fn(np.sqrt(q) * nodes), dtype=float)
    # Weights sum to sqrt(2 pi); normalising makes them a probability measure.
    return float(np.sum(weights * values) / np.sum(weights))


def clamp(q: Any) -> Any:
    """q inside [Q_FLOOR, Q_CAP], so that q* = 0 or ∞ give their limits; scalar or array."""
    return np.clip(q, Q_FLOOR, Q_CAP)


# ---- one cell: the meanfield study (E1) --------------------------------------------------


def q_map(phi: Fn, sigma_w2: float, q: float, mean: Rule, sigma_b2: float = 0.0) -> float:
    """One step of the length map: σ_w² E[φ(h)²] + σ_b², h ~ N(0, q)."""
    return sigma_w2 * mean(lambda h: np.asarray(phi(h)) ** 2, q) + sigma_b2


def q_fixed_point(
    phi: Fn,
    sigma_w2: float,
    mean: Rule,
    iters: int,
    *,
    sigma_b2: float = 0.0,
    q0: float = 1.0,
) -> float:
    """Iterate q ← σ_w² E[φ(h)²] + σ_b² from q0.

    Returns ∞ past Q_CAP and 0 below Q_FLOOR. Some maps creep rather than converge (tanh at
    σ_w² = 1 decays like 1/t, ELU and softplus at σ_w² = 2 grow like t): if q is still moving
    after ``iters`` steps, the limit it is moving to is returned, ∞ upwards and 0 downwards
    (with σ_b² > 0, where q cannot fall below σ_b², the last iterate instead)."""
    q, step = float(q0), 0.0
    for _ in range(iters):
        q_next = q_map(phi, sigma_w2, q, mean, sigma_b2)
        if not math.isfinite(q_next) or q_next > Q_CAP:
            return math.inf
        if q_next < Q_FLOOR:
            return 0.0
        step = q_next - q
        q = q_next
        if abs(step) <= 1e-10 * max(q, 1e-3):
            return q
    if step > 0:
        return math.inf
    return 0.0 if sigma_b2 == 0 else q


def chi1(dphi: Fn, sigma_w2: float, q: float, mean: Rule) -> float:
    """χ1 = σ_w² E[φ'(h)²], h ~ N(0, q): the per-layer factor of ‖δ‖² (Poole 2016)."""
    return sigma_w2 * mean(lambda h: np.asarray(dphi(h)) ** 2, q)


def half_ln_chi1_profile(
    phi: Fn, dphi: Fn, q1: float, sigma_w2: float, depth: int, mean: Rule
) -> Array:
    """½ ln χ1(q_l) for hidden layers l = 1..depth, with q_{l+1} = σ_w² E[φ(z_l)²] from q1.

    A deeper net's profile extends a shallower one's, so one call serves every depth."""
    qs = [q1]
    for _ in range(depth - 1):
        qs.append(clamp(q_map(phi, sigma_w2, clamp(qs[-1]), mean)))
    return np.array([0.5 * math.log(chi1(dphi, sigma_w2, q, mean)) for q in qs])


def backward_slope(layers: np.ndarray, delta_norm: np.ndarray) -> float:
    """Least-squares slope of ln‖δ‖ per layer travelled towards the input.

    Mean-field theory predicts ½·ln χ1 (χ1 scales the squared norm)."""
    ok = np.isfinite(delta_norm) & (delta_norm > 0)
    if ok.sum() < 2:
        return float("nan")
    steps = layers.max() - layers[ok]
    return float(np.polyfit(steps, np.log(delta_norm[ok]), 1)[0])


def slope_from_profile(half_ln: Array, depth: int) -> float:
    """Predicted LS slope of ln‖δ_l‖ vs layers travelled for a net of ``depth`` hidden layers.

    ‖δ_l‖² / ‖δ_{l+1}‖² = σ_w² E[φ'(z_l)²] = χ1(q_l) for hidden l < depth, so
    ln‖δ_l‖ = const + ½ Σ_{m=l}^{depth-1} ln χ1(q_m); fit as the measured slopes are."""
    h = half_ln[: depth - 1]
    # y_l: reverse cumulative sum of h, and 0 at l = depth.
    y = np.concatenate([np.cumsum(h[::-1])[::-1], [0.0]])
    return backward_slope(np.arange(1, depth + 1), np.exp(y))


def trajectory_slope(
    phi: Fn, dphi: Fn, q1: float, sigma_w2: float, depth: int, mean: Rule
) -> float:
    """Predicted slope for one depth (NaN when σ_w² = 0: every δ below the output is 0)."""
    if sigma_w2 == 0:
        return math.nan
    return slope_from_profile(half_ln_chi1_profile(phi, dphi, q1, sigma_w2, depth, mean), depth)


# ---- many cells: the phase study (E6) ----------------------------------------------------


class Moments:
    """E[φ(h)²] and E[φ'(h)²], h ~ N(0, q), exactly (trapezoid) on demand and tabulated on a
    ln q grid from Q_FLOOR to Q_CAP, which brackets every root the length map can have."""

    def __init__(self, phi: Fn, dphi: Fn, mean: Trapezoid) -> None:
        self.phi, self.dphi, self.mean = phi, dphi, mean
        self.lq = np.linspace(math.log(Q_FLOOR), math.log(Q_CAP), Q_TABLE)
        self.q = np.exp(self.lq)
        self.a = self.a_at(self.q)
        self.b = self.b_at(self.q)
        # Beyond this q, φ'(√q z) varies faster than the z grid resolves (4001 points: E[sech⁴]
        # is exact to 1e-9 at q = 3e3, off by 3 % at 3e4), so no finite q* above it is trusted.
        self.q_resolved = (RESOLVE / (mean.z[1] - mean.z[0])) ** 2

    def a_at(self, q: ArrayLike) -> Array:
        """E[φ(h)²] at every q."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self.mean.expect(lambda h: self.phi(h) ** 2, q)

    def b_at(self, q: ArrayLike) -> Array:
        """E[φ'(h)²] at every q."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self.mean.expect(lambda h: self.dphi(h) ** 2, q)


def _illinois(
    g: Callable[[Array, NDArray[np.intp]], Array],
    lo: Array,
    hi: Array,
    g_lo: Array,
    g_hi: Array,
) -> Array:
    """Roots of g(x, idx) = 0 on brackets [lo, hi] with g_lo·g_hi ≤ 0, element-wise (idx: the
    elements being evaluated). False position with the Illinois step, which keeps the bracket
    and converges superlinearly; ends at |bracket| ≤ ROOT_TOL."""
    a, b = lo.astype(float).copy(), hi.astype(float).copy()
    fa, fb = g_lo.astype(float).copy(), g_hi.astype(float).copy()
    active = (b - a > ROOT_TOL) & (fa != 0) & (fb != 0)
    root = np.where(fa == 0, a, b)
    for _ in range(ROOT_STEPS):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        ai, bi, fai, fbi = a[idx], b[idx], fa[idx], fb[idx]
        c = bi - fbi * (bi - ai) / (fbi - fai)
        # Fall back to the midpoint where false position stalls at an end.
        bad = ~np.isfinite(c) | (c <= np.minimum(ai, bi)) | (c >= np.maximum(ai, bi))
        c = np.where(bad, 0.5 * (ai + bi), c)
        fc = g(c, idx)
        flip = np.sign(fc) * np.sign(fbi) < 0
        a[idx] = np.where(flip, bi, ai)
        fa[idx] = np.where(flip, fbi, 0.5 * fai)
        b[idx], fb[idx] = c, fc
        root[idx] = c
        active[idx] = (np.abs(b[idx] - a[idx]) > ROOT_TOL) & (fc != 0)
    return root


def q_fixed_points(m: Moments, sigma_w2: ArrayLike, sigma_b2: ArrayLike, q0: ArrayLike) -> Array:
    """Where q ← σ_w² E[φ(h)²] + σ_b², iterated from q0, ends: the first root of
    F(q) = σ_w² E[φ²](q) + σ_b² − q in the direction F(q0) points (the map is increasing in q,
    so the iteration moves monotonically to it); 0 or ∞ when there is none (Q_FLOOR and
    Q_CAP). Root-finding rather than iterating: no creeping near q* = 0 or ∞."""
    sw, sb, q0 = (np.atleast_1d(np.asarray(v, float)) for v in (sigma_w2, sigma_b2, q0))
    sw, sb, q0 = np.broadcast_arrays(sw, sb, q0)
    f0 = sw * m.a_at(q0) + sb - q0
    with np.errstate(over="ignore", invalid="ignore"):
        ft = sw[:, None] * m.a[None, :] + sb[:, None] - m.q[None, :]  # (cells, table)
    lq0 = np.log(np.maximum(q0, Q_FLOOR))
    n = len(m.q)
    out = np.where(f0 > 0, math.inf, 0.0)
    out = np.where(f0 == 0, q0, out)
    up_hit = (m.q[None, :] > q0[:, None]) & (ft <= 0)
    dn_hit = (m.q[None, :] < q0[:, None]) & (ft >= 0)
    j_up = np.argmax(up_hit, axis=1)
    j_dn = n - 1 - np.argmax(dn_hit[:, ::-1], axis=1)
    up = (f0 > 0) & up_hit.any(axis=1)
    dn = (f0 < 0) & dn_hit.any(axis=1)
    rows = np.flatnonzero(up | dn)
    if rows.size:
        lo = np.empty(rows.size)
        hi = np.empty(rows.size)
        g_lo = np.empty(rows.size)
        g_hi = np.empty(rows.size)
        for k, i in enumerate(rows):
            if up[i]:
                j = j_up[i]
                prev_inside = j > 0 and m.q[j - 1] > q0[i]
                lo[k], g_lo[k] = (m.lq[j - 1], ft[i, j - 1]) if prev_inside else (lq0[i], f0[i])
                hi[k], g_hi[k] = m.lq[j], ft[i, j]
            else:
                j = j_dn[i]
                next_inside = j < n - 1 and m.q[j + 1] < q0[i]
                lo[k], g_lo[k] = m.lq[j], ft[i, j]
                hi[k], g_hi[k] = (m.lq[j + 1], ft[i, j + 1]) if next_inside else (lq0[i], f0[i])

        def g(x: Array, idx: NDArray[np.intp]) -> Array:
            qq = np.exp(x)
            r = rows[idx]
            return sw[r] * m.a_at(qq) + sb[r] - qq

        out[rows] = np.exp(_illinois(g, lo, hi, g_lo, g_hi))
    return out


def chi1_at(m: Moments, sigma_w2: ArrayLike, q: ArrayLike) -> Array:
    """σ_w² E[φ'(h)²] at q (clamped, so q* = 0 or ∞ give their limits)."""
    return np.asarray(sigma_w2, float) * m.b_at(clamp(q))


def chi1_fixed(m: Moments, sigma_w2: ArrayLike, sigma_b2: ArrayLike) -> tuple[Array, Array]:
    """(q*, χ1 at q*) from the first layer's q¹ = σ_w² + σ_b² (unit-variance inputs)."""
    sw, sb = np.broadcast_arrays(
        np.atleast_1d(np.asarray(sigma_w2, float)), np.atleast_1d(np.asarray(sigma_b2, float))
    )
    q = q_fixed_points(m, sw, sb, sw + sb)
    return q, chi1_at(m, sw, q)


def half_ln_chi1_profiles(
    m: Moments, sigma_w2: ArrayLike, sigma_b2: ArrayLike, depth: int
) -> NDArray[np.float64]:
    """½ ln χ1(q_l) for hidden layers l = 1..depth of every cell, (cells, depth), with
    q_1 = σ_w² + σ_b² and q_{l+1} = σ_w² E[φ(z_l)²] + σ_b² (half_ln_chi1_profile, with biases)."""
    sw = np.asarray(sigma_w2, float)
    sb = np.asarray(sigma_b2, float)
    q = clamp(sw + sb)
    out = np.empty((len(sw), depth))
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        for layer in range(depth):
            out[:, layer] = 0.5 * np.log(chi1_at(m, sw, q))
            q = clamp(sw * m.a_at(q) + sb)
    return out


def critical_line(m: Moments, sigma_b2: ArrayLike) -> list[dict[str, Any]]:
    """Every σ_w² where χ1 at the fixed point crosses 1, per σ_b²: one row per (σ_b², branch).

    On the line, q* and σ_w² satisfy σ_w² = 1 / E[φ'²](q*) and σ_b² = q* − E[φ²](q*) / E[φ'²](q*)
    (Poole et al. 2016's construction), so σ_b² → σ_w² is a root in ln q* of the second
    equation. Where the transition sits at q* → 0 (odd φ, σ_b² = 0) or q* → ∞ (softplus) the
    limits σ_w² = 1/E[φ'²](0) and 1/E[φ'²](∞) are candidates too, and every candidate is kept
    only if χ1 at the fixed point actually crosses 1 there (checked at σ_w²·(1 ± CRIT_EPS)).

    Keys: sigma_b2, branch (0, 1, ... in increasing σ_w²), sigma_w2 (NaN: no crossing),
    q_star (q* on the line; NaN where χ1 does not depend on q), kind, direction (+1: χ1
    rises through 1 as σ_w² grows, −1: falls)."""
    sigma_b2 = np.asarray(sigma_b2, float)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        s = m.q - m.a / m.b  # σ_b² on the line, as a function of q*
    cands: list[tuple[int, float, float, str]] = []  # (target index, σ_w², q*, kind)
    b_ok = m.b[np.isfinite(m.b) & (m.b > 0)]
    if b_ok.size == len(m.b) and np.ptp(b_ok) <= 1e-9 * b_ok.max():
        # χ1 does not depend on q (ReLU family, linear, abs): one σ_w² for every σ_b².
        w = 1.0 / float(b_ok.mean())
        cands += [(t, w, math.nan, "q-independent") for t in range(len(sigma_b2))]
    else:
        f = s[None, :] - sigma_b2[:, None]  # (targets, table)
        ok = np.isfinite(f[:, :-1]) & np.isfinite(f[:, 1:])
        ti, ji = np.nonzero(ok & (np.sign(f[:, :-1]) * np.sign(f[:, 1:]) < 0))
        if ti.size:

            def g(x: Array, idx: NDArray[np.intp]) -> Array:
                qq = np.exp(x)
                with np.errstate(divide="ignore", invalid="ignore"):
                    return qq - m.a_at(qq) / m.b_at(qq) - sigma_b2[ti[idx]]

            root = np.exp(_illinois(g, m.lq[ji], m.lq[ji + 1], f[ti, ji], f[ti, ji + 1]))
            b_root = m.b_at(root)
            cands += [
                (int(t), 1.0 / float(bb), float(r), "finite q*")
                for t, bb, r in zip(ti, b_root, root, strict=True)
                if r <= m.q_resolved
            ]
        for t in range(len(sigma_b2)):
            if m.b[0] > 0:
                cands.append((t, 1.0 / float(m.b[0]), 0.0, "q* → 0"))
            if m.b[-1] > 0:
                cands.append((t, 1.0 / float(m.b[-1]), math.inf, "q* → ∞"))
    # Keep the candidates across which χ1 at the reached fixed point really crosses 1.
    rows: list[dict[str, Any]] = []
    if cands:
        t_idx = np.array([c[0] for c in cands])
        sw = np.array([c[1] for c in cands])
        sb = sigma_b2[t_idx]
        _, chi_lo = chi1_fixed(m, sw * (1 - CRIT_EPS), sb)
        _, chi_hi = chi1_fixed(m, sw * (1 + CRIT_EPS), sb)
        direction = np.where(
            (chi_lo < 1) & (chi_hi > 1), 1, np.where((chi_lo > 1) & (chi_hi < 1), -1, 0)
        )
        rows = [
            {"t": t, "sigma_w2": w, "q_star": q, "kind": kind, "direction": int(direction[k])}
            for k, (t, w, q, kind) in enumerate(cands)
            if direction[k] != 0
        ]
    out = []
    for t, sb_t in enumerate(sigma_b2):
        mine = sorted((r for r in rows if r["t"] == t), key=lambda r: r["sigma_w2"])
        kept: list[dict[str, Any]] = []
        for r in mine:  # one point found twice (a root next to a limit): keep it once
            if kept and abs(r["sigma_w2"] / kept[-1]["sigma_w2"] - 1) < CRIT_EPS:
                continue
            kept.append(r)
        if not kept:
            kept = [{"sigma_w2": math.nan, "q_star": math.nan, "kind": "none", "direction": 0}]
        for k, r in enumerate(kept):
            out.append(
                {
                    "sigma_b2": sb_t,
                    "branch": k,
                    "sigma_w2": r["sigma_w2"],
                    "q_star": r["q_star"],
                    "kind": r["kind"],
                    "direction": r["direction"],
                }
            )
    return out
