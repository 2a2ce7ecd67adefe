"""Dynamical isometry (E10): the singular values of the input-output Jacobian of deep tanh
nets at criticality, orthogonal against Gaussian weights, and of ReLU nets at He
(Pennington, Schoenholz & Ganguli 2017, "Resurrecting the sigmoid in deep learning through
dynamical isometry: theory and practice", NeurIPS).

The paper's set-up (its Section 2): x^l = φ(h^l), h^l = W^l x^{l−1} + b^l, weights of
variance σ_w²/N (Gaussian, or σ_w times a Haar orthogonal matrix), biases N(0, σ_b²), and
the Jacobian J = ∂x^L/∂x^0 = Π_l D^l W^l with D^l = diag φ'(h^l). With the pre-activations
at the length map's fixed point q* and χ1 = σ_w² E[φ'(h)²] = 1 (criticality), its
free-probability result for the spectrum of JJᵀ is a mean of 1 and a variance
σ²_{JJᵀ} = L·(μ2/μ1² − 1 − s1), μ_k = E[φ'(h)^{2k}], h ~ N(0, q*), and s1 = −1 for
Gaussian, 0 for orthogonal weights. ReLU has μ1 = μ2 = ½, so σ² = L (orthogonal) or 2L
(Gaussian) whatever the init: "ReLU networks are incapable of dynamical isometry". tanh has
μ2/μ1² − 1 → 0 as q* → 0, so orthogonal weights with q* small keep σ² = O(1) to large L
while Gaussian weights still give σ² ≈ L: "sigmoidal networks can achieve isometry, but only
with orthogonal weight initialization" (the paper's abstract).

Here, per seed, one network of the largest depth per setting, float64, width N:
- tanh at the critical point with fixed point q* (params.q_star; σ_w², σ_b² from
  vanishing.core.mean_field's trapezoid rule), orthogonal and Gaussian N(0, σ_w²/N);
- ReLU at He (σ_w² = 2, σ_b² = 0; every q is a fixed point, q = 1 is taken), orthogonal
  and Gaussian.
The input is x^0 = φ(h^0), h^0 ~ N(0, q* I), so that every h^l is at q* from the first
layer on. J is built by propagating the identity through the layers
(vanishing.core.jacobian) and its singular values taken with torch.linalg.svdvals after
each layer listed in params.depths. The four settings share each seed's random draws
(the two orthogonal settings the same Haar matrices, the two Gaussian ones the same
Gaussian matrices), one generator per seed (core.models.seed_generator).

Outputs, in the rule's order:
  spectra.csv  per (activation, init, depth, seed, index): the singular value σ of J,
               descending
  summary.csv  per (activation, init, depth, seed): the width, the point (σ_w², σ_b², q*, χ1), the
               mean of λ = σ² (the eigenvalues of JJᵀ), rel_var = Var(λ)/mean(λ)² and the
               paper's prediction of it, the sd of ln σ over the non-zero σ, the share of
               σ that are zero (ReLU's dead units), and the largest, median and smallest σ
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from ..core.activations import derivative, get_activation
from ..core.inits import haar_orthogonal
from ..core.jacobian import left_multiply
from ..core.mean_field import Trapezoid, chi1
from ..core.models import seed_generator
from ..machinery.config_check import check_params
from ..machinery.params.isometry import Params
from ..machinery.tables import Tables
from .meanfield import numpy_fns

log = logging.getLogger("vanishing.studies.isometry")

# The four settings, in table order: (activation, init).
SETTINGS: tuple[tuple[str, str], ...] = (
    ("tanh", "orthogonal"),
    ("tanh", "gaussian"),
    ("relu", "orthogonal"),
    ("relu", "gaussian"),
)
# ReLU at He (He et al. 2015): χ1 = σ_w²·½ = 1 at σ_w² = 2 with σ_b² = 0, for every q.
RELU_SIGMA_W2 = 2.0
RELU_Q = 1.0
# s1, the first coefficient of the S-transform of WWᵀ in Pennington et al. (2017):
# −1 for Gaussian weights (Marchenko–Pastur), 0 for orthogonal (every eigenvalue 1).
S1 = {"orthogonal": 0.0, "gaussian": -1.0}
# A singular value this far below the largest is zero up to round-off (ReLU: a unit dead
# at some layer takes a direction out of J's range): counted, left out of ln σ.
ZERO_SV = 1e-10

SUMMARY_COLUMNS = [
    "activation",
    "init",
    "depth",
    "seed",
    "width",
    "sigma_w2",
    "sigma_b2",
    "q_star",
    "chi1",
    "mean_sq",
    "rel_var",
    "pred_rel_var",
    "sd_ln_sv",
    "zero_share",
    "sv_max",
    "sv_median",
    "sv_min",
]


@dataclass(frozen=True)
class Point:
    """Where a setting sits: weight and bias variance, fixed point, χ1, and the moments
    μ_k = E[φ'(h)^{2k}] at q* that the paper's variance formula takes."""

    activation: str
    sigma_w2: float
    sigma_b2: float
    q_star: float
    chi1: float
    mu1: float
    mu2: float


def tanh_point(q_star: float, mean: Trapezoid) -> Point:
    """tanh on the critical line at fixed point q*: σ_w² = 1/E[φ'²] makes χ1 = 1 and
    σ_b² = q* − σ_w² E[φ²] makes q* the fixed point of q ← σ_w² E[φ(h)²] + σ_b²
    (Poole et al. 2016's construction of the line; core.mean_field.critical_line solves
    the same two equations for σ_w² given σ_b²)."""
    phi, dphi = numpy_fns(get_activation("tanh"))
    a = mean(lambda h: phi(h) ** 2, q_star)
    b = mean(lambda h: dphi(h) ** 2, q_star)
    sigma_w2 = 1.0 / b
    return Point(
        "tanh",
        sigma_w2,
        q_star - sigma_w2 * a,
        q_star,
        chi1(dphi, sigma_w2, q_star, mean),
        b,
        mean(lambda h: dphi(h) ** 4, q_star),
    )


def relu_point(mean: Trapezoid) -> Point:
    """ReLU at He: φ'² = φ'⁴ = 1[h > 0], so μ1 = μ2 = ½ at every q."""
    _, dphi = numpy_fns(get_activation("relu"))
    return Point(
        "relu",
        RELU_SIGMA_W2,
        0.0,
        RELU_Q,
        chi1(dphi, RELU_SIGMA_W2, RELU_Q, mean),
        mean(lambda h: dphi(h) ** 2, RELU_Q),
        mean(lambda h: dphi(h) ** 4, RELU_Q),
    )


def predicted_rel_var(pt: Point, init: str, depth: int) -> float:
    """Pennington et al. (2017): the variance of JJᵀ's spectrum over its mean squared,
    L·(μ2/μ1² − 1 − s1), exact for N → ∞ at χ1 = 1."""
    return depth * (pt.mu2 / pt.mu1**2 - 1.0 - S1[init])


def _draw(gens: list[torch.Generator], width: int) -> tuple[Tensor, Tensor, Tensor]:
    """One layer's draws for every seed, each seed from its own generator in a fixed
    order: a Haar orthogonal matrix, a standard Gaussian matrix scaled to variance 1/N,
    and standard normal bias noise."""
    orth, gauss, bias = [], [], []
    for g in gens:
        orth.append(haar_orthogonal((1, width, width), g))
        gauss.append(torch.randn((1, width, width), generator=g, dtype=torch.float64))
        bias.append(torch.randn((1, width), generator=g, dtype=torch.float64))
    return torch.cat(orth), torch.cat(gauss) / math.sqrt(width), torch.cat(bias)


def spectra(
    points: dict[str, Point], width: int, depths: list[int], seeds: list[int]
) -> dict[tuple[str, str, int], Tensor]:
    """Singular values (S, width), descending, of J = D^L W^L ⋯ D^1 W^1 for every
    (activation, init) of SETTINGS and every depth; row i is seed ``seeds[i]``."""
    gens = [seed_generator(s) for s in seeds]
    h0 = torch.cat([torch.randn((1, width), generator=g, dtype=torch.float64) for g in gens])
    acts = {a: get_activation(a) for a in points}
    # x^0 = φ(h^0), h^0 ~ N(0, q*): the first layer's pre-activations are at q* already
    x = {(a, i): acts[a](math.sqrt(points[a].q_star) * h0) for a, i in SETTINGS}
    jac: dict[tuple[str, str], Tensor] = {}
    out: dict[tuple[str, str, int], Tensor] = {}
    wanted = set(depths)
    for layer in range(1, max(depths) + 1):
        orth, gauss, noise = _draw(gens, width)
        for a, i in SETTINGS:
            pt = points[a]
            w = orth if i == "orthogonal" else gauss  # unit scale: σ_w goes into D
            sw = math.sqrt(pt.sigma_w2)
            h = sw * torch.bmm(w, x[(a, i)].unsqueeze(-1)).squeeze(-1)
            h = h + math.sqrt(pt.sigma_b2) * noise
            d = sw * derivative(acts[a], h)  # σ_w·φ'(h): D^l W^l = (σ_w D^l)(W^l/σ_w)
            jac[(a, i)] = left_multiply(jac[(a, i)], w, d) if layer > 1 else d.unsqueeze(-1) * w
            x[(a, i)] = acts[a](h)
            if layer in wanted:
                out[(a, i, layer)] = torch.linalg.svdvals(jac[(a, i)])
        if layer in wanted:
            log.info("depth %d done", layer)
    return out


def summary_row(sv: np.ndarray) -> dict[str, float]:
    """The spectrum's statistics for one network (``sv``: its singular values)."""
    lam = sv**2
    m = float(lam.mean())
    nonzero = sv[sv > ZERO_SV * sv.max()]
    return {
        "mean_sq": m,
        "rel_var": float(lam.var() / m**2),
        "sd_ln_sv": float(np.log(nonzero).std()) if len(nonzero) > 1 else math.nan,
        "zero_share": 1.0 - len(nonzero) / len(sv),
        "sv_max": float(sv.max()),
        "sv_median": float(np.median(sv)),
        "sv_min": float(sv.min()),
    }


def tables(p: Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(spectra, summary) for ``p``."""
    mean = Trapezoid(p.trapezoid_points)
    points = {"tanh": tanh_point(p.q_star, mean), "relu": relu_point(mean)}
    for pt in points.values():
        log.info(
            "%s: σ_w² %.6g, σ_b² %.6g, q* %.6g, χ1 %.12g",
            pt.activation,
            pt.sigma_w2,
            pt.sigma_b2,
            pt.q_star,
            pt.chi1,
        )
    depths = sorted(p.depths)
    svs = spectra(points, p.width, depths, list(p.seeds))
    spec, rows = [], []
    for a, i in SETTINGS:
        pt = points[a]
        for depth in depths:
            sv = svs[(a, i, depth)].cpu().numpy()
            for k, seed in enumerate(p.seeds):
                spec.append(
                    pd.DataFrame(
                        {
                            "activation": a,
                            "init": i,
                            "depth": depth,
                            "seed": seed,
                            "index": np.arange(p.width),
                            "singular_value": sv[k],
                        }
                    )
                )
                rows.append(
                    {
                        "activation": a,
                        "init": i,
                        "depth": depth,
                        "seed": seed,
                        "width": p.width,
                        "sigma_w2": pt.sigma_w2,
                        "sigma_b2": pt.sigma_b2,
                        "q_star": pt.q_star,
                        "chi1": pt.chi1,
                        **summary_row(sv[k]),
                        "pred_rel_var": predicted_rel_var(pt, i, depth),
                    }
                )
    return pd.concat(spec, ignore_index=True), pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def run(p: Params, inputs: Tables, outputs: dict[str, Path]) -> None:
    check_params(p)  # the config was checked; a direct caller's params too
    spec, summary = tables(p)
    spec.to_csv(outputs["spectra"], index=False)
    summary.to_csv(outputs["summary"], index=False)
    log.info("%d singular values, %d networks × depths", len(spec), len(summary))
