"""Mean-field χ1 against the probe grid (E1) and orthogonal vs Gaussian init (E4).

E1. For every activation × init of the probe grid: σ_w² = width·Var(W) (hidden layers are
width × width, biases are zero so σ_b² = 0), the fixed point q* of q ← σ_w² E[φ(h)²], and
χ1 = σ_w² E[φ'(h)²] at q*, φ' being the derivative back-propagation uses (autograd: 0.1 for
NecroReLU's x < 0, PReLU's initial slope 0.25). vanishing.core.mean_field computes them: its
dense trapezoid rule in standardised units is accurate at any q, unlike Gauss-Hermite for
saturating φ at large q, which is kept as a cross-check column. Because the first layers are
not at q*, a second prediction follows the actual variances q_l layer by layer from the probe
batch's input norm and fits the same least-squares slope the probe summary fits to ln‖δ‖.

E4. Linear and tanh MLPs, orthogonal vs a Gaussian of the same variance (LeCun, 1/fan_in),
over depth: first/last weight-gradient ratio on the digits batch, and the singular values of
the Jacobian ∂z_D/∂z_1 across the hidden stack (Saxe et al. 2014; Pennington et al. 2017).

Outputs, in the rule's order:
  chi1.csv        per (activation, init): σ_w², q*, χ1 (trapezoid, Gauss-Hermite), ½ ln χ1
  comparison.csv  per (activation, init, depth, seed): measured slope vs both predictions
  orthogonal.csv  per (activation, init, depth, seed): gradient ratio and Jacobian spectrum
"""

from __future__ import annotations

import logging
import math
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..core.activations import Activation, derivative, get_activation
from ..core.data import digits, probe_batch
from ..core.gradients import layer_stats
from ..core.inits import weight_variance
from ..core.jacobian import eye_batch, left_multiply
from ..core.mean_field import (
    Fn,
    Trapezoid,
    chi1,
    clamp,
    gauss_expectation,
    half_ln_chi1_profile,
    q_fixed_point,
    slope_from_profile,
)
from ..core.models import EnsembleMLP
from ..machinery.config_check import check_params
from ..machinery.params.meanfield import Params
from ..machinery.tables import Tables

log = logging.getLogger("vanishing.studies.meanfield")

CMP_COLUMNS = [
    "activation",
    "init",
    "depth",
    "seed",
    "measured_slope",
    "pred_slope_qstar",
    "pred_slope_trajectory",
    "chi1",
    "sigma_w2",
]


# ---- expectations -------------------------------------------------------------------


def numpy_fns(act: Activation) -> tuple[Fn, Fn]:
    """(φ, φ') as numpy functions through torch, so φ' is exactly what backward uses."""

    def phi(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return act(torch.as_tensor(np.asarray(x, dtype=np.float64))).numpy()

    def phi_prime(x: np.ndarray) -> np.ndarray:
        return derivative(act, torch.as_tensor(np.asarray(x, dtype=np.float64))).numpy()

    return phi, phi_prime


def chi1_row(name: str, init: str, p: Params, mean: Trapezoid) -> dict:
    act = get_activation(name, p.leaky_slope)
    phi, dphi = numpy_fns(act)
    sigma_w2 = p.width * weight_variance(init, p.width, p.width)
    q = q_fixed_point(phi, sigma_w2, mean, p.q_iters)
    qe = clamp(q)
    chi = chi1(dphi, sigma_w2, qe, mean)
    # Accuracy check: the same rule on a 4x finer grid.
    chi_fine = chi1(dphi, sigma_w2, qe, Trapezoid(4 * len(mean.z)))
    # Gauss-Hermite is the cross-check (poor at large q for saturating φ).
    chi_gh = chi1(dphi, sigma_w2, qe, partial(gauss_expectation, order=p.quad_order))
    return {
        "activation": name,
        "init": init,
        "sigma_w2": sigma_w2,
        "q_star": q,
        "chi1": chi,
        "chi1_fine_grid": chi_fine,
        "chi1_gauss_hermite": chi_gh,
        "half_ln_chi1": 0.5 * math.log(chi) if chi > 0 else -math.inf,
    }


# ---- the layer-by-layer prediction ---------------------------------------------------


def comparison_table(
    p: Params, chi: pd.DataFrame, summary: pd.DataFrame, mean: Trapezoid
) -> pd.DataFrame:
    x, _ = probe_batch(digits(), p.batch_size)
    sq_norm = float((x.double() ** 2).sum(dim=1).mean())  # E‖x‖² over the probe batch
    cells = summary[summary["activation"].isin(p.activations) & summary["init"].isin(p.inits)]
    frames = []
    for (name, init), g in cells.groupby(["activation", "init"], sort=True):
        c = chi[(chi["activation"] == name) & (chi["init"] == init)].iloc[0]
        depths = sorted(int(d) for d in g["depth"].unique())
        pred = {d: math.nan for d in depths}
        if c["sigma_w2"] > 0:
            phi, dphi = numpy_fns(get_activation(str(name), p.leaky_slope))
            q1 = weight_variance(str(init), x.shape[1], p.width) * sq_norm
            prof = half_ln_chi1_profile(phi, dphi, q1, c["sigma_w2"], max(depths), mean)
            pred = {d: slope_from_profile(prof, d) for d in depths}
        frames.append(
            pd.DataFrame(
                {
                    "activation": name,
                    "init": init,
                    "depth": g["depth"].astype(int).to_numpy(),
                    "seed": g["seed"].astype(int).to_numpy(),
                    "measured_slope": g["slope_ln_delta"].astype(float).to_numpy(),
                    "pred_slope_qstar": float(c["half_ln_chi1"]),
                    "pred_slope_trajectory": [pred[int(d)] for d in g["depth"]],
                    "chi1": float(c["chi1"]),
                    "sigma_w2": float(c["sigma_w2"]),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=CMP_COLUMNS)
    return pd.concat(frames, ignore_index=True).sort_values(["activation", "init", "depth", "seed"])


# ---- E4: orthogonal vs Gaussian ------------------------------------------------------


def jacobian_spectrum(model: EnsembleMLP, pre: list[torch.Tensor], examples: int) -> dict:
    """Per network: ln singular values of ∂z_D/∂z_1 = Π W_{l+1} diag(φ'(z_l)), averaged over
    the first ``examples`` inputs (the Jacobian depends on the input unless φ is linear)."""
    sds, conds, means = [], [], []
    for b in range(examples):
        s, w = pre[0].shape[0], pre[0].shape[-1]
        jac = eye_batch(s, w, pre[0])
        for layer in range(model.depth - 1):
            d = derivative(model.activation, pre[layer][:, b, :])  # (S, width)
            jac = left_multiply(jac, d, model.weights[layer + 1].detach())
        ln_sv = torch.log(torch.linalg.svdvals(jac))
        sds.append(ln_sv.std(dim=1))
        conds.append((ln_sv.max(dim=1).values - ln_sv.min(dim=1).values) / math.log(10))
        means.append(ln_sv.mean(dim=1))
    return {
        "jac_ln_sv_sd": torch.stack(sds).mean(0).numpy(),
        "jac_log10_cond": torch.stack(conds).mean(0).numpy(),
        "jac_ln_sv_mean": torch.stack(means).mean(0).numpy(),
    }


def orthogonal_table(p: Params) -> pd.DataFrame:
    data = digits()
    x, y = probe_batch(data, p.batch_size)
    x = x.double()
    rows = []
    for name in p.e4_activations:
        act = get_activation(name, p.leaky_slope)
        for init in p.e4_inits:
            for depth in p.e4_depths:
                model = EnsembleMLP(
                    act, init, depth, p.e4_width, data.n_in, data.n_out, p.e4_seeds, torch.float64
                )
                stats = layer_stats(model, x, y)
                with torch.no_grad():
                    pre = _pre_activations(model, x)
                spec = jacobian_spectrum(model, pre, min(p.e4_examples, x.shape[0]))
                first = stats[stats["layer"] == 1].set_index("seed")["grad_norm"]
                last = stats[stats["layer"] == depth + 1].set_index("seed")["grad_norm"]
                for i, seed in enumerate(p.e4_seeds):
                    rows.append(
                        {
                            "activation": name,
                            "init": init,
                            "depth": depth,
                            "seed": seed,
                            "log10_grad_first": math.log10(first[seed]),
                            "log10_ratio": math.log10(first[seed] / last[seed]),
                            **{k: float(v[i]) for k, v in spec.items()},
                        }
                    )
            log.info("E4 %s/%s done", name, init)
    return pd.DataFrame(rows)


def _pre_activations(model: EnsembleMLP, x: torch.Tensor) -> list[torch.Tensor]:
    """Hidden pre-activations (S, B, width); callers run it under no_grad."""
    return model(x, keep=True).pre


def run(p: Params, inputs: Tables, outputs: dict[str, Path]) -> None:
    check_params(p)  # the config was checked; a direct caller's params too
    out_chi, out_cmp, out_orth = (outputs[k] for k in ("chi1", "comparison", "orthogonal"))
    mean = Trapezoid(p.trapezoid_points)
    chi = pd.DataFrame([chi1_row(a, i, p, mean) for a in p.activations for i in p.inits])
    chi.to_csv(out_chi, index=False)
    log.info("chi1: %d (activation, init) pairs", len(chi))
    if "probe.summary" in inputs.names():
        summary = inputs.table("probe.summary")
        comparison_table(p, chi, summary, mean).to_csv(out_cmp, index=False)
    else:  # no probe table given: an empty comparison with the right columns
        pd.DataFrame(columns=CMP_COLUMNS).to_csv(out_cmp, index=False)
    log.info("comparison done")
    orthogonal_table(p).to_csv(out_orth, index=False)
