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
mean_field.backward_slope fits it). A network whose norms are not all finite is "diverged",
one with an exact zero "vanished"; their slope is left empty.

Predicted (Poole et al. 2016; Schoenholz et al. 2017): the fixed point q* of the length map
q ← σ_w² E[φ(h)²] + σ_b², h ~ N(0, q), iterated from the first layer's q¹ = σ_w²·E[x²] + σ_b²,
and χ1 = σ_w² E[φ'(h)²] at q*; the per-layer slope is ½ ln χ1, all by vanishing.core.mean_field.
Expectations use its dense trapezoid rule (Gauss-Hermite fails at large q for saturating φ). A
second prediction follows q layer by layer from q¹ and fits the same slope (finite depth).

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
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from ..core.activations import Activation, derivative, get_activation
from ..core.mean_field import (
    Moments,
    Trapezoid,
    chi1_fixed,
    critical_line,
    half_ln_chi1_profiles,
    slope_from_profile,
)
from ..core.models import EnsembleMLP, seed_generator
from ..core.vocabulary import family
from ..machinery.params.phase import Params
from ..machinery.tables import Tables
from ._small import write_csv
from .meanfield import numpy_fns

log = logging.getLogger("vanishing.studies.phase")

# Generator salts of the per-seed draws besides the weights (salt 0, EnsembleMLP's).
BIAS_SALT = 11
INPUT_SALT = 13
READOUT_SALT = 17
# Logit count: only the hidden δ are measured, the read-out just has to be random.
N_OUT = 10

GRID_COLUMNS = ["activation", "family", "depth", "sigma_w2", "sigma_b2", "seed", "slope", "status"]


# ---- mean-field theory, vectorised over cells ----------------------------------------


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
    """mean_field.critical_line as a table: one row per (σ_b², branch)."""
    return pd.DataFrame(critical_line(m, sigma_b2))


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


def draw(
    act: Activation,
    depth: int,
    width: int,
    seeds: list[int],
    batch: int,
    device: str | torch.device = "cpu",
) -> Draws:
    """One seed's draws per network (see Draws), on ``device``. Every number is drawn on
    the CPU by the seed's generators and then moved, so a device changes where the
    products run, not what is drawn."""
    dt = torch.float64
    model = EnsembleMLP(act, "lecun", depth, width, width, N_OUT, seeds, dt, device)
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
        [torch.cat([b[layer] for b in biases]).to(device) for layer in range(len(sizes))],
        torch.cat(xs).to(device),
        torch.cat(gs).to(device),
    )


def delta_norms(d: Draws, sigma_w2: np.ndarray, sigma_b2: np.ndarray) -> Tensor:
    """‖δ_l‖ over (batch, width) for hidden layers l = 1..depth, (S, cells, depth).

    Cell c's network of seed s has weights σ_w[c]·W̃_s and biases σ_b[c]·b̃_s. The cells
    travel in the batch dimension: (S, cells·B, width) per layer, one bmm per layer."""
    s, b, _ = d.x.shape
    c = len(sigma_w2)
    dev = d.x.device
    sw = torch.as_tensor(np.sqrt(sigma_w2), dtype=torch.float64, device=dev).view(1, c, 1, 1)
    sb = torch.as_tensor(np.sqrt(sigma_b2), dtype=torch.float64, device=dev).view(1, c, 1, 1)
    depth = len(d.weights) - 1
    h = d.x.unsqueeze(1).expand(s, c, b, -1).reshape(s, c * b, -1)
    slopes: list[Tensor] = []  # φ'(z_l), (S, cells·B, width)
    # No graph is built (the draws do not require grad); derivative() runs its own autograd.
    for layer in range(depth):
        z = torch.bmm(h, d.weights[layer].transpose(1, 2)).view(s, c, b, -1) * sw
        z = (z + sb * d.biases[layer].unsqueeze(1)).view(s, c * b, -1)
        h = d.activation(z)
        slopes.append(derivative(d.activation, z))
    norms = torch.empty((s, c, depth), dtype=torch.float64, device=dev)
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
    n = norms.detach().cpu().numpy()
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


def run(p: Params, inputs: Tables, outputs: dict[str, Path]) -> None:
    """Write outputs["grid"], outputs["theory"], outputs["critical"]; reads no tables."""
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
