"""Per-layer gradient statistics of an ensemble on one batch.

One row per (network, weight layer). Layer 1 is the input-side matrix, layer
depth+1 the output matrix. "δ" is the back-propagated error ∂L/∂z at the
layer's output pre-activation z.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from . import backward as bw
from .models import EnsembleMLP
from .theory import t1, t_explode

QUANTILES = (0.5, 0.9, 0.99)


def tanh_intervals(n: float | None) -> tuple[float, float]:
    """(t1(n), t_explode(n)) for tanh(n·x) with n > 1; NaN where undefined."""
    if n is None or n <= 1:
        return math.nan, math.nan
    return float(t1(n)), float(t_explode(n))


def silent_units(z: Tensor) -> Tensor:
    """(S, B, width) pre-activations → (S, width): units that never fire on the batch.

    A unit is alive when some example gives it a finite positive pre-activation, so
    a NaN or ∞ one (a diverged network) does not make it alive: NaN > 0 is False,
    and "never positive" written as ``(z <= 0).all()`` would call a NaN unit alive.
    One elementwise pass and one reduction."""
    finite = torch.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0)
    return finite.amax(dim=1) <= 0


def stuck_units(grad_w: Tensor) -> Tensor:
    """(S, out, in) weight gradient → (S, out): units whose incoming row gets no finite
    non-zero entry, so they cannot move (a NaN/∞ row cannot move its unit usefully)."""
    return ((grad_w == 0) | ~torch.isfinite(grad_w)).all(dim=2)


def _std(z: Tensor) -> Tensor:
    """Per-network sample standard deviation of a (S, ...) tensor, (S,) float64, from
    the sum and the sum of squares in float64: two reductions and no temporary, where
    Tensor.std's Welford loop was the probe's third-largest cost. The subtraction
    loses about 2·log10(|mean|/sd) of float64's 16 digits (a monitoring statistic)."""
    flat = z.flatten(1).double()
    n = flat.shape[1]
    s1 = flat.sum(dim=1)
    s2 = torch.linalg.vector_norm(flat, dim=1).square()
    return ((s2 - s1 * s1 / n).clamp_min(0) / (n - 1)).sqrt()


def _count(mask: Tensor) -> Tensor:
    """Per-network number of True in a (S, ...) mask, (S,) int32."""
    return mask.flatten(1).sum(dim=1, dtype=torch.int32)


def _quantiles(a: Tensor) -> Tensor:
    """(len(QUANTILES), rows) quantiles of each row of ``a``, on its device. On the
    CPU numpy's partition-based quantile gives torch.quantile's numbers (the same
    linear interpolation) in a fifth of the time: torch sorts every row."""
    if a.device.type == "cpu":
        # The buffer is ours: let numpy partition it in place rather than copy it.
        return torch.from_numpy(np.quantile(a.numpy(), QUANTILES, axis=1, overwrite_input=True))
    q = torch.tensor(QUANTILES, dtype=a.dtype, device=a.device)
    return torch.quantile(a, q, dim=1)


def _columns(model: EnsembleMLP, x: Tensor, y: Tensor) -> dict[str, Tensor]:
    """Forward + backward once; every statistic of every weight layer as a (L·S,)
    tensor on the model's device, rows layer-major then network (the hidden-only
    ones (depth·S,)). Nothing here reads a value back to the host.

    The pass is backward.py's, whose gradients are bit-identical to autograd's.
    Each layer's tensors are reduced as soon as they exist (hooks), while they are
    in cache, and nothing else of the pass is kept; the small per-layer results are
    stacked into columns at the end (at probe sizes a few small tensor ops per
    layer cost as much as the layer's arithmetic)."""
    depth, s = model.depth, model.n_models
    dev = model.weights[0].device
    t1_n, te_n = tanh_intervals(model.activation.tanh_n)
    hid: dict[str, list[Tensor]] = {
        k: [] for k in ("std", "dead", "zero", "t1", "te", "act_mean", "act_std")
    }
    delta_norm: list[Tensor] = [torch.empty(0)] * (depth + 1)
    # |∂L/∂W| of all layers with the same number of weights share one float64 buffer
    # (rows: layer-major, then network), reduced in one call per buffer at the end.
    sizes = [w[0].numel() for w in model.weights]
    rows = {n: [i for i, m in enumerate(sizes) if m == n] for n in dict.fromkeys(sizes)}
    buf = {
        n: torch.empty(len(ix) * s, n, dtype=torch.float64, device=dev) for n, ix in rows.items()
    }
    where = {i: (n, j * s) for n, ix in rows.items() for j, i in enumerate(ix)}

    def on_pre(i: int, z: Tensor, h: Tensor) -> None:
        hid["std"].append(_std(z))
        # A unit is dead on this batch when its pre-activation is never positive.
        hid["dead"].append(silent_units(z).double().mean(dim=1))
        hid["zero"].append(_count(h == 0))
        # the activations' own moments (self-normalisation, E8): over batch and units
        hid["act_mean"].append(h.flatten(1).double().mean(dim=1))
        hid["act_std"].append(_std(h))
        if not math.isnan(t1_n):
            a = z.abs()
            hid["t1"].append(_count(a < t1_n))
            hid["te"].append(_count(a < te_n))

    def on_delta(i: int, d: Tensor, g: Tensor) -> None:
        n, r = where[i]
        dest = buf[n][r : r + s].view(g.shape)
        if g.dtype == dest.dtype:
            torch.abs(g, out=dest)
        else:  # |g| in the probe's dtype, held in float64 as the statistics are
            dest.copy_(g.abs())
        delta_norm[i] = torch.linalg.vector_norm(d.flatten(1).double(), dim=1)

    trace = bw.forward(model, x, on_pre=on_pre)
    n_pre = trace.inputs[1][0].numel()  # batch × width: one network's hidden layer
    out_std = _std(trace.logits)
    delta, losses = bw.output_delta(trace.logits, y, with_loss=True)
    assert losses is not None
    bw.backward(model, trace, delta, on_delta=on_delta, keep=False)

    def flat(values: list[Tensor]) -> Tensor:  # L × (S,) → (L·S,) float64
        return torch.stack(values).double().flatten()

    n_layers = depth + 1
    cols: dict[str, Tensor] = {}
    for n, a in buf.items():
        got = {
            "grad_norm": torch.linalg.vector_norm(a, dim=1),
            "grad_abs_max": a.amax(dim=1),
            "grad_exact_zero_frac": _count(a == 0).double() / n,
        }
        for q, v in zip(QUANTILES, _quantiles(a), strict=True):
            got[f"grad_abs_q{int(q * 100)}"] = v
        # Scatter the buffer's rows back to their layers.
        order = torch.tensor(
            [i * s + k for i in rows[n] for k in range(s)], dtype=torch.long, device=dev
        )
        for key, v in got.items():
            dest = cols.setdefault(key, torch.empty(n_layers * s, dtype=v.dtype, device=dev))
            dest[order] = v
    cols["delta_norm"] = flat(delta_norm)
    # ‖W‖ (Frobenius) of every layer, accumulated in float64, and the relative size of
    # the gradient ‖∂L/∂W‖/‖W‖ (the step a unit learning rate would take, relative to
    # the weights; NaN for 0/0 and ∞ for x/0 under the all-zero init): one reduction per
    # layer over weights already in memory, next to nothing beside the pass.
    cols["weight_norm"] = torch.cat(
        [
            torch.linalg.vector_norm(w.detach().flatten(1), dim=1, dtype=torch.float64)
            for w in model.weights
        ]
    )
    cols["rel_grad"] = cols["grad_norm"] / cols["weight_norm"]
    # max |g| is finite exactly when every entry is (amax propagates NaN).
    cols["nonfinite"] = ~torch.isfinite(cols["grad_abs_max"])
    cols["pre_std"] = flat([*hid["std"], out_std])
    cols["loss"] = losses.double().repeat(n_layers)
    cols["dead_frac"] = flat(hid["dead"])
    cols["zero_frac"] = flat(hid["zero"]) / n_pre
    cols["act_mean"] = flat(hid["act_mean"])
    cols["act_var"] = flat(hid["act_std"]).square()
    for key, name in (("t1", "frac_inside_t1"), ("te", "frac_inside_explode")):
        cols[name] = (
            flat(hid[key]) / n_pre
            if hid[key]
            else torch.full((depth * s,), math.nan, dtype=torch.float64, device=dev)
        )
    return cols


# Columns that only hidden layers have (NaN on the output layer).
HIDDEN_ONLY = (
    "dead_frac",
    "zero_frac",
    "act_mean",
    "act_var",
    "frac_inside_t1",
    "frac_inside_explode",
)


def layer_tensors(model: EnsembleMLP, x: Tensor, y: Tensor) -> list[dict[str, object]]:
    """Forward + backward once; per weight layer, the statistics as (S,) tensors on
    the model's device (or scalars shared by all networks). Nothing here reads a
    value back to the host, so it runs on any device, the ``meta`` device included."""
    cols = _columns(model, x, y)
    s, depth = model.n_models, model.depth
    layers: list[dict[str, object]] = []
    for i in range(depth + 1):
        hidden = i < depth
        row: dict[str, object] = {"layer": i + 1, "hidden": hidden}
        for c in COLUMNS[3:]:
            row[c] = cols[c][i * s : (i + 1) * s] if hidden or c not in HIDDEN_ONLY else math.nan
        layers.append(row)
    return layers


def layer_stats(model: EnsembleMLP, x: Tensor, y: Tensor) -> pd.DataFrame:
    """Forward + backward once; return tidy per-(seed, layer) statistics."""
    cols = {k: v.cpu().numpy() for k, v in _columns(model, x, y).items()}
    s, n_layers = model.n_models, model.depth + 1
    nan = np.full(s, math.nan)
    out = {
        "seed": np.tile(np.asarray(model.seeds), n_layers),
        "layer": np.repeat(np.arange(1, n_layers + 1), s),
        "hidden": np.repeat(np.arange(1, n_layers + 1) <= model.depth, s),
        **{c: np.concatenate([cols[c], nan]) if c in HIDDEN_ONLY else cols[c] for c in cols},
    }
    return pd.DataFrame({c: out[c] for c in COLUMNS})


# The table's columns, in order. Hidden-layer columns are NaN on the output layer,
# and the tanh(n·x) fractions also where t1(n) is undefined.
COLUMNS = [
    "seed",
    "layer",
    "hidden",
    "grad_norm",
    "delta_norm",
    # ‖W‖ and ‖∂L/∂W‖/‖W‖; not "update_ratio", which in training's tables is the
    # step actually taken, ‖ΔW‖/‖W‖
    "weight_norm",
    "rel_grad",
    "grad_abs_max",
    "grad_exact_zero_frac",
    "nonfinite",
    "pre_std",
    "loss",
    *[f"grad_abs_q{int(q * 100)}" for q in QUANTILES],
    "dead_frac",
    "zero_frac",
    # mean and variance of a hidden layer's activations φ(z), over batch and units
    "act_mean",
    "act_var",
    "frac_inside_t1",
    "frac_inside_explode",
]
