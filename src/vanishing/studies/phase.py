"""Mean-field phase diagram for every activation (claim E6): measured against predicted.

Networks: ``depth`` hidden layers of ``width`` units, Gaussian inputs x ~ N(0, I_width),
weights W_l ~ N(0, σ_w²/fan_in) and biases b_l ~ N(0, σ_b²) in every layer, a fixed random
read-out vector g at the logits (loss Σ g·logits, so δ at the logits is the same N(0, 1) vector
whatever σ_w² and σ_b² are), float64. For each seed the draws are made once at unit scale
(weights by the project's EnsembleMLP with LeCun init, i.e. N(0, 1/fan_in)) and every grid cell
(σ_w², σ_b²) scales the same draws: a cell's networks differ from its neighbours' only by σ,
so the measured surface is smooth in σ and its level set is not blurred by resampling. The
grid's cells ride in the batch dimension of one batched matmul per layer and seed.

Measured: δ_l = ∂L/∂z_l at every hidden layer, by a hand-written backward pass
δ_l = φ'(z_l) ⊙ σ_w W̃_{l+1}ᵀ δ_{l+1} whose φ' is the derivative autograd uses (the tests
check the whole pass against autograd through EnsembleMLP), and the least-squares slope of
ln‖δ_l‖ per layer travelled towards the input over the hidden layers (as
summaries.backward_slope fits it). A network whose norms are not all finite is "diverged",
one with an exact zero "vanished"; their slope is left empty.

Predicted (Poole et al. 2016; Schoenholz et al. 2017): the fixed point q* of the length map
q ← σ_w² E[φ(h)²] + σ_b², h ~ N(0, q), iterated from the first layer's q¹ = σ_w²·E[x²] + σ_b²,
and χ1 = σ_w² E[φ'(h)²] at q*; the per-layer slope is ½ ln χ1. Expectations use the mean-field
study's dense trapezoid rule (Gauss-Hermite fails at large q for saturating φ). A second
prediction follows q layer by layer from q¹ and fits the same slope (finite depth).

Critical line χ1 = 1, per σ_b²: on it, q* and σ_w² satisfy σ_w² = 1 / E[φ'²](q*) and
σ_b² = q* − E[φ²](q*) / E[φ'²](q*) (Poole et al. 2016's construction), so σ_b² → σ_w² is a
bisection in ln q* of the second equation. Where the transition sits at q* → 0 (odd φ,
σ_b² = 0) or q* → ∞ (softplus) the limits σ_w² = 1/E[φ'²](0) and 1/E[φ'²](∞) are candidates too,
and every candidate is kept only if χ1 at the fixed point actually crosses 1 there (checked by
iterating the length map at σ_w²·(1 ± 1e-3)).

Outputs (by name):
  grid      per (activation, depth, σ_w², σ_b², seed): measured slope of ln‖δ‖, status
  theory    per (activation, depth, σ_w², σ_b²): q*, χ1, ½ ln χ1, the layer-by-layer slope
  critical  per (activation, σ_b², branch): σ_w² on χ1 = 1, q* there, which kind of point
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from ..activations import Activation, derivative, get_activation
from ..config_types import Spec
from ..models import EnsembleMLP, seed_generator
from ..params.phase import Params
from ..tables import Tables
from ..vocabulary import family
from ._small import write_csv
from .meanfield import Q_CAP, Q_FLOOR, Trapezoid, numpy_fns, slope_from_profile

log = logging.getLogger("vanishing.studies.phase")

Fn = Callable[[np.ndarray], np.ndarray]

# Generator salts of the per-seed draws besides the weights (salt 0, EnsembleMLP's).
BIAS_SALT = 11
INPUT_SALT = 13
READOUT_SALT = 17
# Logit count: only the hidden δ are measured, the read-out just has to be random.
N_OUT = 10
# A candidate critical point counts if χ1 at the fixed point is on opposite sides of 1
# at σ_w²·(1 ∓ CRIT_EPS).
CRIT_EPS = 1e-3
# The ln q table from Q_FLOOR to Q_CAP (10 points per decade): between two neighbours a
# fixed point or a critical q* is then found by false position on the exact expectation.
Q_TABLE = 601
ROOT_TOL = 1e-13  # in ln q
ROOT_STEPS = 200
# A finite q* is resolved while √q*·Δz ≤ RESOLVE (Δz: the trapezoid's spacing in z).
RESOLVE = 0.2

GRID_COLUMNS = ["activation", "family", "depth", "sigma_w2", "sigma_b2", "seed", "slope", "status"]


NonNegative = Annotated[float, Spec(ge=0, le=1e6)]


# ---- mean-field theory, vectorised over cells ----------------------------------------


def expect(f: Fn, q: np.ndarray, mean: Trapezoid) -> np.ndarray:
    """E[f(h)], h ~ N(0, q), for every q of an array (the mean-field study's trapezoid)."""
    q = np.asarray(q, dtype=float)
    h = np.sqrt(q)[..., None] * mean.z
    return np.sum(mean.w * f(h), axis=-1)


def _clamp(q: np.ndarray) -> np.ndarray:
    return np.clip(q, Q_FLOOR, Q_CAP)


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

    def a_at(self, q: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return expect(lambda h: self.phi(h) ** 2, q, self.mean)

    def b_at(self, q: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return expect(lambda h: self.dphi(h) ** 2, q, self.mean)


def _illinois(
    g: Callable[[np.ndarray, np.ndarray], np.ndarray],
    lo: np.ndarray,
    hi: np.ndarray,
    g_lo: np.ndarray,
    g_hi: np.ndarray,
) -> np.ndarray:
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


def q_fixed_points(
    m: Moments, sigma_w2: np.ndarray, sigma_b2: np.ndarray, q0: np.ndarray
) -> np.ndarray:
    """Where q ← σ_w² E[φ(h)²] + σ_b², iterated from q0, ends: the first root of
    F(q) = σ_w² E[φ²](q) + σ_b² − q in the direction F(q0) points (the map is increasing in q,
    so the iteration moves monotonically to it); 0 or ∞ when there is none (meanfield's
    Q_FLOOR and Q_CAP). Root-finding rather than iterating: no creeping near q* = 0 or ∞."""
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

        def g(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
            qq = np.exp(x)
            r = rows[idx]
            return sw[r] * m.a_at(qq) + sb[r] - qq

        out[rows] = np.exp(_illinois(g, lo, hi, g_lo, g_hi))
    return out


def chi1_at(m: Moments, sigma_w2: np.ndarray, q: np.ndarray) -> np.ndarray:
    """σ_w² E[φ'(h)²] at q (clamped, so q* = 0 or ∞ give their limits)."""
    return np.asarray(sigma_w2, float) * m.b_at(_clamp(q))


def chi1_fixed(
    m: Moments, sigma_w2: np.ndarray, sigma_b2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(q*, χ1 at q*) from the first layer's q¹ = σ_w² + σ_b² (unit-variance inputs)."""
    sw, sb = np.broadcast_arrays(
        np.atleast_1d(np.asarray(sigma_w2, float)), np.atleast_1d(np.asarray(sigma_b2, float))
    )
    q = q_fixed_points(m, sw, sb, sw + sb)
    return q, chi1_at(m, sw, q)


def half_ln_chi1_profiles(
    m: Moments, sigma_w2: np.ndarray, sigma_b2: np.ndarray, depth: int
) -> np.ndarray:
    """½ ln χ1(q_l) for hidden layers l = 1..depth of every cell, (cells, depth), with
    q_1 = σ_w² + σ_b² and q_{l+1} = σ_w² E[φ(z_l)²] + σ_b² (meanfield's profile, with biases)."""
    sw = np.asarray(sigma_w2, float)
    sb = np.asarray(sigma_b2, float)
    q = _clamp(sw + sb)
    out = np.empty((len(sw), depth))
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        for layer in range(depth):
            out[:, layer] = 0.5 * np.log(chi1_at(m, sw, q))
            q = _clamp(sw * m.a_at(q) + sb)
    return out


def theory_table(name: str, p: Params, mean: Trapezoid) -> pd.DataFrame:
    m = Moments(*numpy_fns(get_activation(name, p.leaky_slope)), mean)
    sw, sb = (a.ravel() for a in np.meshgrid(p.sigma_w2, p.sigma_b2, indexing="ij"))
    q, chi = chi1_fixed(m, sw, sb)
    prof = half_ln_chi1_profiles(m, sw, sb, max(p.depths))
    frames = []
    for depth in sorted(p.depths):
        traj = [
            slope_from_profile(prof[i], depth) if np.all(np.isfinite(prof[i, :depth])) else np.nan
            for i in range(len(sw))
        ]
        with np.errstate(divide="ignore"):
            frames.append(
                pd.DataFrame(
                    {
                        "activation": name,
                        "family": family(name),
                        "depth": depth,
                        "sigma_w2": sw,
                        "sigma_b2": sb,
                        "q_star": q,
                        "chi1": chi,
                        "pred_slope": 0.5 * np.log(chi),
                        "pred_slope_trajectory": traj,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def critical_points(m: Moments, sigma_b2: np.ndarray) -> pd.DataFrame:
    """Every σ_w² where χ1 at the fixed point crosses 1, per σ_b² (see the module docstring).

    Columns: sigma_b2, branch (0, 1, ... in increasing σ_w²), sigma_w2 (NaN: no crossing),
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

            def g(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
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
    return pd.DataFrame(out)


def line_sigma_b2(p: Params) -> np.ndarray:
    """The σ_b² of the critical line: evenly spaced in (σ_b²)^⅓ over the grid's range (for
    odd φ the line leaves σ_b² = 0 like σ_w² − 1 ∝ (σ_b²)^⅓, steeply), plus the grid's own."""
    lo, hi = min(p.sigma_b2), max(p.sigma_b2)
    t = np.linspace(np.cbrt(lo), np.cbrt(hi), p.line_points) ** 3
    return np.unique(np.round(np.concatenate([t, p.sigma_b2]), 12))


def critical_table(name: str, p: Params, mean: Trapezoid) -> pd.DataFrame:
    m = Moments(*numpy_fns(get_activation(name, p.leaky_slope)), mean)
    df = critical_points(m, line_sigma_b2(p))
    df.insert(0, "family", family(name))
    df.insert(0, "activation", name)
    return df


def critical_sigma_w2(
    name: str,
    sigma_b2: float = 0.0,
    *,
    leaky_slope: float = 0.01,
    trapezoid_points: int = 4_001,
) -> tuple[float, float]:
    """(σ_w², q*) where activation ``name`` crosses from order to chaos at this σ_b².

    Of the points ``critical_points`` finds on the χ1 = 1 line, the order-to-chaos crossing
    is the one where χ1 at the fixed point rises through 1 as σ_w² grows (direction +1:
    vanishing below it, exploding above it); a falling crossing (−1) is not it. If several
    rise, the smallest σ_w² is returned (the first one a growing σ_w² meets). q* is NaN where
    χ1 does not depend on q (ReLU family). ValueError when the line has no rising crossing."""
    m = Moments(*numpy_fns(get_activation(name, leaky_slope)), Trapezoid(trapezoid_points))
    line = critical_points(m, np.array([float(sigma_b2)]))
    rising = line[line["direction"] == 1].sort_values("sigma_w2")
    if rising.empty:
        raise ValueError(f"{name}: no order-to-chaos crossing at σ_b² = {sigma_b2:g}")
    row = rising.iloc[0]
    return float(row["sigma_w2"]), float(row["q_star"])


# ---- measurement --------------------------------------------------------------------


@dataclass
class Draws:
    """One seed's unit-scale draws per network, stacked over seeds (S first)."""

    activation: Activation
    weights: list[Tensor]  # (S, fan_out, fan_in), N(0, 1/fan_in); input layer first
    biases: list[Tensor]  # (S, 1, fan_out), N(0, 1)
    x: Tensor  # (S, B, width), N(0, 1)
    readout: Tensor  # (S, B, N_OUT), N(0, 1): δ at the logits


def draw(act: Activation, depth: int, width: int, seeds: list[int], batch: int) -> Draws:
    dt = torch.float64
    model = EnsembleMLP(act, "lecun", depth, width, width, N_OUT, seeds, dt)
    weights = [w.detach().clone() for w in model.weights]
    sizes = [w.shape[1] for w in weights]
    biases, xs, gs = [], [], []
    for seed in seeds:
        gb = seed_generator(seed, BIAS_SALT)
        biases.append([torch.randn((1, 1, fo), generator=gb, dtype=dt) for fo in sizes])
        xs.append(
            torch.randn((1, batch, width), generator=seed_generator(seed, INPUT_SALT), dtype=dt)
        )
        gs.append(
            torch.randn((1, batch, N_OUT), generator=seed_generator(seed, READOUT_SALT), dtype=dt)
        )
    return Draws(
        act,
        weights,
        [torch.cat([b[layer] for b in biases]) for layer in range(len(sizes))],
        torch.cat(xs),
        torch.cat(gs),
    )


def delta_norms(d: Draws, sigma_w2: np.ndarray, sigma_b2: np.ndarray) -> Tensor:
    """‖δ_l‖ over (batch, width) for hidden layers l = 1..depth, (S, cells, depth).

    Cell c's network of seed s has weights σ_w[c]·W̃_s and biases σ_b[c]·b̃_s. The cells
    travel in the batch dimension: (S, cells·B, width) per layer, one bmm per layer."""
    s, b, _ = d.x.shape
    c = len(sigma_w2)
    sw = torch.as_tensor(np.sqrt(sigma_w2), dtype=torch.float64).view(1, c, 1, 1)
    sb = torch.as_tensor(np.sqrt(sigma_b2), dtype=torch.float64).view(1, c, 1, 1)
    depth = len(d.weights) - 1
    h = d.x.unsqueeze(1).expand(s, c, b, -1).reshape(s, c * b, -1)
    slopes: list[Tensor] = []  # φ'(z_l), (S, cells·B, width)
    # No graph is built (the draws do not require grad); derivative() runs its own autograd.
    for layer in range(depth):
        z = torch.bmm(h, d.weights[layer].transpose(1, 2)).view(s, c, b, -1) * sw
        z = (z + sb * d.biases[layer].unsqueeze(1)).view(s, c * b, -1)
        h = d.activation(z)
        slopes.append(derivative(d.activation, z))
    norms = torch.empty((s, c, depth), dtype=torch.float64)
    # δ at the logits is the read-out vector, the same for every cell.
    delta = d.readout.unsqueeze(1).expand(s, c, b, -1).reshape(s, c * b, -1)
    for layer in range(depth - 1, -1, -1):
        back = torch.bmm(delta, d.weights[layer + 1]).view(s, c, b, -1) * sw
        delta = back.view(s, c * b, -1) * slopes[layer]
        norms[:, :, layer] = delta.view(s, c, -1).norm(dim=2)
    return norms


def fit_slopes(norms: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """(slope, status) per network from (..., depth) norms: the least-squares slope of
    ln‖δ_l‖ against layers travelled towards the input (depth − l), as backward_slope fits it,
    but only for networks whose norms are all finite and positive."""
    n = norms.detach().numpy()
    depth = n.shape[-1]
    steps = depth - np.arange(1, depth + 1, dtype=float)
    finite = np.all(np.isfinite(n), axis=-1)
    positive = np.all(n > 0, axis=-1)
    ok = finite & positive
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(np.where(ok[..., None], n, 1.0))
    xc = steps - steps.mean()
    slope = (y * xc).sum(-1) / (xc**2).sum()
    slope = np.where(ok, slope, np.nan)
    status = np.where(ok, "finite", np.where(finite, "vanished", "diverged"))
    return slope, status


def grid_table(name: str, p: Params) -> pd.DataFrame:
    act = get_activation(name, p.leaky_slope)
    sw, sb = (a.ravel() for a in np.meshgrid(p.sigma_w2, p.sigma_b2, indexing="ij"))
    frames = []
    for depth in sorted(p.depths):
        d = draw(act, depth, p.width, p.seeds, p.batch_size)
        slope, status = fit_slopes(delta_norms(d, sw, sb))  # (S, cells)
        s_idx, c_idx = np.meshgrid(np.arange(len(p.seeds)), np.arange(len(sw)), indexing="ij")
        frames.append(
            pd.DataFrame(
                {
                    "activation": name,
                    "family": family(name),
                    "depth": depth,
                    "sigma_w2": sw[c_idx.ravel()],
                    "sigma_b2": sb[c_idx.ravel()],
                    "seed": np.asarray(p.seeds)[s_idx.ravel()],
                    "slope": slope.ravel(),
                    "status": status.ravel(),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["depth", "sigma_w2", "sigma_b2", "seed"], kind="stable")[GRID_COLUMNS]


def run(params: dict[str, Any], inputs: Tables, outputs: dict[str, Path]) -> None:
    """Write outputs["grid"], outputs["theory"], outputs["critical"]; reads no tables."""
    p = Params(**params)
    p.validate()
    mean = Trapezoid(p.trapezoid_points)
    grids, theories, lines = [], [], []
    for name in p.activations:
        t0 = time.process_time()
        grids.append(grid_table(name, p))
        t1 = time.process_time()
        theories.append(theory_table(name, p, mean))
        lines.append(critical_table(name, p, mean))
        log.info(
            "%s: measured in %.2f s, theory in %.2f s (CPU)",
            name,
            t1 - t0,
            time.process_time() - t1,
        )
    write_csv(pd.concat(grids, ignore_index=True), outputs["grid"])
    write_csv(pd.concat(theories, ignore_index=True), outputs["theory"])
    write_csv(pd.concat(lines, ignore_index=True), outputs["critical"])
