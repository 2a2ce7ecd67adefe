"""Per-layer gradient statistics of an ensemble on one batch.

One row per (network, weight layer). Layer 1 is the input-side matrix, layer
depth+1 the output matrix. "δ" is the back-propagated error ∂L/∂z at the
layer's output pre-activation z.
"""

from __future__ import annotations

import math

import pandas as pd
import torch
from torch import Tensor

from .models import EnsembleMLP, ensemble_loss, per_model_loss
from .theory import t1, t_explode

QUANTILES = (0.5, 0.9, 0.99)


def tanh_intervals(n: float | None) -> tuple[float, float]:
    """(t1(n), t_explode(n)) for tanh(n·x) with n > 1; NaN where undefined."""
    if n is None or n <= 1:
        return math.nan, math.nan
    return float(t1(n)), float(t_explode(n))


def _frac_inside(z: Tensor, bound: float) -> Tensor:
    """Per-network fraction of |z| < bound, (S,); NaN when the bound is undefined."""
    if math.isnan(bound):
        return torch.full((z.shape[0],), math.nan, dtype=torch.float64, device=z.device)
    return (z.abs() < bound).flatten(1).double().mean(dim=1)


def layer_tensors(model: EnsembleMLP, x: Tensor, y: Tensor) -> list[dict[str, object]]:
    """Forward + backward once; per weight layer, the statistics as (S,) tensors on
    the model's device (or scalars shared by all networks). Nothing here reads a
    value back to the host, so it runs on any device, the ``meta`` device included."""
    model.zero_grad(set_to_none=True)
    fwd = model(x, keep=True)
    fwd.logits.retain_grad()
    losses = per_model_loss(fwd.logits, y)
    ensemble_loss(fwd.logits, y).backward()

    t1_n, te_n = tanh_intervals(model.activation.tanh_n)
    zs = [*fwd.pre, fwd.logits]
    layers: list[dict[str, object]] = []
    for layer, (w, z) in enumerate(zip(model.weights, zs, strict=True), start=1):
        g = w.grad.detach()
        flat = g.abs().flatten(1).double()
        q = torch.tensor(QUANTILES, dtype=flat.dtype, device=flat.device)
        qs = torch.quantile(flat, q, dim=1)
        delta = z.grad.detach().flatten(1).double()
        zd = z.detach()
        hidden = layer <= model.depth
        cols: dict[str, object] = {
            "layer": layer,
            "hidden": hidden,
            "grad_norm": flat.norm(dim=1),
            "delta_norm": delta.norm(dim=1),
            "grad_abs_max": flat.amax(dim=1),
            "grad_exact_zero_frac": (flat == 0).double().mean(dim=1),
            "nonfinite": (~torch.isfinite(g)).flatten(1).any(dim=1),
            "pre_std": zd.flatten(1).double().std(dim=1),
            "loss": losses.detach().double(),
        }
        for qv, row in zip(QUANTILES, qs, strict=True):
            cols[f"grad_abs_q{int(qv * 100)}"] = row
        if hidden:
            post = fwd.post[layer - 1].detach()
            # A unit is dead on this batch when its pre-activation is never positive.
            cols["dead_frac"] = (zd <= 0).all(dim=1).double().mean(dim=1)
            cols["zero_frac"] = (post == 0).flatten(1).double().mean(dim=1)
            cols["frac_inside_t1"] = _frac_inside(zd, t1_n)
            cols["frac_inside_explode"] = _frac_inside(zd, te_n)
        else:
            for c in ("dead_frac", "zero_frac", "frac_inside_t1", "frac_inside_explode"):
                cols[c] = math.nan
        layers.append(cols)
    return layers


def layer_stats(model: EnsembleMLP, x: Tensor, y: Tensor) -> pd.DataFrame:
    """Forward + backward once; return tidy per-(seed, layer) statistics."""
    rows = [
        pd.DataFrame(
            {
                "seed": model.seeds,
                **{k: v.cpu().numpy() if isinstance(v, Tensor) else v for k, v in cols.items()},
            }
        )
        for cols in layer_tensors(model, x, y)
    ]
    return pd.concat(rows, ignore_index=True)
