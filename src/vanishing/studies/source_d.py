"""Source D's experiment: a 4-hidden-layer sigmoid net with N(0, 1) weights (claims D3-D6).

The tutorial trained on MNIST with TensorFlow and showed TensorBoard histograms of
∂L/∂W_l for each layer at the first iteration and after some training. Its code is
not available, so the minibatch size, learning rate and width below are our choice
(see the constants). We use scikit-learn's 8×8 digits; because the first layer's
gradient scales with the inputs, the step-0 gradients are also measured on two
MNIST-like versions of digits (pixels in [0, 1]; and 20×20 upsampled, zero-padded
to 28×28 = 784 inputs as in MNIST) and at several widths.

The remedies the tutorial names at its end (D5: a different activation, a different
initialisation) are measured at step 0 on the same per-seed minibatch as D3's step-0
gradients, at the tutorial's depth and deeper: per (set-up, depth, seed, layer) the weight
gradient ‖∂L/∂W_l‖ (Frobenius) and the back-propagated error ‖δ_l‖ = ‖∂L/∂z_l‖ (over the
batch; the last layer's δ is at the logits). The set-ups change one thing at a time (see
REMEDY_SETUPS); one of the init changes is sigmoid's critical init, weights
N(0, σ_w²/fan_in) with zero biases at the σ_w² where mean-field χ1 = σ_w² E[φ'(h)²] at the
fixed point q* crosses 1 from below as σ_w² grows (the order-to-chaos crossing of
phase.critical_sigma_w2 at σ_b² = 0, the project's zero biases).

Outputs (in order): gradient_stats.csv, histograms.csv, variants.csv, weights.csv,
meta.json, remedies.csv.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor

from ..core.activations import get_activation
from ..core.data import digits, digits_raw, split
from ..core.inits import TRUNCATION, weight_variance
from ..core.models import EnsembleMLP, ensemble_loss, per_model_loss, seed_generator
from ..core.runtime import DTYPES
from ..machinery.config_check import check_params
from ..machinery.params.source_d import Params
from ..machinery.tables import Tables
from .phase import critical_sigma_w2

log = logging.getLogger("vanishing.studies.source_d")

# Salt of the per-seed data-order generator (the weights use salt 0).
DATA_SALT = 1
# The tutorial's reference scale for the first layer's step-0 tails.
TUTORIAL_TAIL = 0.025
QUANTILES = (0.5, 0.9, 0.99, 0.999)
# D5's set-ups: (what changed, activation, init). The tutorial's own first; then one change
# at a time; then both (ReLU with its own init). CRITICAL is the activation's critical init.
CRITICAL = "critical"
REMEDY_SETUPS = (
    ("none", "sigmoid", "normal"),
    ("activation", "relu", "normal"),
    ("init", "sigmoid", "xavier"),
    ("init", "sigmoid", "lecun"),
    ("init", "sigmoid", CRITICAL),
    ("both", "relu", "he"),
)
REMEDY_COLUMNS = [
    "change",
    "activation",
    "init",
    "sigma_w2",
    "depth",
    "seed",
    "layer",
    "hidden",
    "weight_grad_norm",
    "delta_norm",
    "loss",
    "status",
]


# ---- data -------------------------------------------------------------------


def raw_digits_train() -> tuple[np.ndarray, np.ndarray]:
    """Training split of digits as raw pixel values 0..16 (the same split as data.digits)."""
    pixels, labels = digits_raw()
    train = split()[1]
    return pixels[train].astype(np.float32), labels[train]


def mnist_like(pixels01: Tensor) -> Tensor:
    """8×8 images in [0, 1] → MNIST's layout: the digit upsampled to 20×20 (bilinear)
    and centred in a 28×28 zero frame, flattened to 784 inputs."""
    img = pixels01.reshape(-1, 1, 8, 8)
    up = F.interpolate(img, size=(20, 20), mode="bilinear", align_corners=False)
    return F.pad(up, (4, 4, 4, 4)).reshape(len(pixels01), 784).clamp(0.0, 1.0)


def train_inputs(kind: str) -> tuple[Tensor, Tensor]:
    """(x, y) of the training split under the named input scaling."""
    if kind == "standardised":
        ds = digits()
        return ds.x_train, ds.y_train
    raw, y = raw_digits_train()
    unit = torch.from_numpy(raw) / 16.0  # MNIST-like pixel scale [0, 1]
    x = unit if kind == "unit" else mnist_like(unit)
    return x, torch.from_numpy(y)


def batch_indices(seeds: list[int], n: int, batch: int, n_batches: int) -> Tensor:
    """(S, n_batches, batch) example indices: each seed's own shuffled epochs, chained."""
    out = []
    for seed in seeds:
        g = seed_generator(seed, DATA_SALT)
        need = n_batches * batch
        stream = torch.cat([torch.randperm(n, generator=g) for _ in range(-(-need // n))])
        out.append(stream[:need].reshape(n_batches, batch))
    return torch.stack(out)


# ---- gradients --------------------------------------------------------------


def weight_grads(model: EnsembleMLP, x: Tensor, y: Tensor) -> tuple[list[Tensor], Tensor]:
    """∂L/∂W_l of every network (each its own mean cross-entropy) and the losses (S,).
    The biases' gradients stay in their .grad for the caller's update."""
    model.zero_grad(set_to_none=True)
    logits = model(x).logits
    losses = per_model_loss(logits, y)
    ensemble_loss(logits, y).backward()
    return [w.grad.detach().clone() for w in model.weights], losses.detach()


def grad_stats(grads: list[Tensor]) -> pd.DataFrame:
    """Per (seed, layer): sd, norm and |g| quantiles of every entry of ∂L/∂W_l."""
    rows = []
    for layer, g in enumerate(grads, start=1):
        flat = g.flatten(1).double().numpy()
        # numpy's partition-based quantile: torch.quantile sorts and was 20× slower here.
        absq = np.quantile(np.abs(flat), QUANTILES, axis=1)
        cols: dict[str, Any] = {
            "seed_index": np.arange(flat.shape[0]),
            "layer": layer,
            "std": flat.std(axis=1, ddof=1),
            "norm": np.linalg.norm(flat, axis=1),
            "abs_max": np.abs(flat).max(axis=1),
        }
        for q, v in zip(QUANTILES, absq, strict=True):
            cols[f"abs_q{q * 100:g}".replace(".", "")] = v
        rows.append(pd.DataFrame(cols))
    return pd.concat(rows, ignore_index=True)


def checkpoint_steps(steps: int, checkpoints: int) -> list[int]:
    return sorted({round(i * steps / checkpoints) for i in range(checkpoints + 1)})


def ensemble(p: Params, width: int, n_in: int) -> EnsembleMLP:
    """One ensemble holding every init × seed (init-major), so one SGD loop trains
    them all; member (init, seed) has exactly the weights EnsembleMLP(init, [seed]) has."""
    dtype = DTYPES[p.dtype]
    sigmoid = get_activation("sigmoid")
    parts = [EnsembleMLP(sigmoid, i, p.depth, width, n_in, 10, p.seeds, dtype) for i in p.inits]
    model = EnsembleMLP(sigmoid, "zeros", p.depth, width, n_in, 10, p.seeds * len(p.inits), dtype)
    with torch.no_grad():
        for layer, w in enumerate(model.weights):
            w.copy_(torch.cat([part.weights[layer] for part in parts]))
    return model


def member_labels(p: Params) -> tuple[np.ndarray, np.ndarray]:
    """(init, seed) of every ensemble member, in the order ``ensemble`` stacks them."""
    inits = np.repeat(np.asarray(p.inits), len(p.seeds))
    return inits, np.tile(np.asarray(p.seeds), len(p.inits))


def train_and_probe(
    p: Params, x: Tensor, y: Tensor
) -> tuple[pd.DataFrame, dict[int, list[Tensor]]]:
    """Plain SGD for p.steps; statistics at the checkpoints (the minibatch gradient the
    update uses and the full-training-set gradient) and the raw minibatch gradients at
    step 0 and step p.steps for the histograms. Every init sees the same data order."""
    x = x.to(DTYPES[p.dtype])
    model = ensemble(p, p.width, x.shape[1])
    idx = batch_indices(p.seeds, len(x), p.batch_size, p.steps + 1).repeat(len(p.inits), 1, 1)
    marks = set(checkpoint_steps(p.steps, p.checkpoints))
    frames, snapshots = [], {}
    for step in range(p.steps + 1):
        if step in marks:
            # Full-set gradient first: the minibatch backward below must be the last
            # one, so that the biases' .grad holds the minibatch gradient for the update.
            full, full_loss = weight_grads(model, x, y)
        xb, yb = x[idx[:, step]], y[idx[:, step]]
        grads, batch_loss = weight_grads(model, xb, yb)
        if step in marks:
            for kind, gs, loss in (("minibatch", grads, batch_loss), ("full", full, full_loss)):
                df = grad_stats(gs)
                df["batch"] = kind
                df["step"] = step
                df["loss"] = loss.double().numpy()[df["seed_index"]]
                df["train_loss"] = full_loss.double().numpy()[df["seed_index"]]
                frames.append(df)
        if step in (0, p.steps):
            snapshots[step] = grads
        if step < p.steps:
            with torch.no_grad():
                for param, g in zip(model.weights, grads, strict=True):
                    param -= p.lr * g
                for param in model.biases:
                    param -= p.lr * param.grad
    stats = pd.concat(frames, ignore_index=True)
    inits, seeds = member_labels(p)
    stats.insert(0, "seed", seeds[stats["seed_index"]])
    stats.insert(0, "init", inits[stats.pop("seed_index")])
    return stats, snapshots


def histograms(
    init: str, snapshots: dict[int, list[Tensor]], members: np.ndarray, bins: int
) -> pd.DataFrame:
    """Counts of every gradient entry of the ``members`` (pooled over seeds) on one
    symmetric bin grid per layer, shared by both snapshots so that they overlay directly."""
    rows = []
    n_layers = len(next(iter(snapshots.values())))
    sel = torch.from_numpy(members)
    for layer in range(n_layers):
        values = {s: g[layer][sel].double().flatten().numpy() for s, g in snapshots.items()}
        edge = max(float(np.abs(v).max()) for v in values.values()) or 1.0
        edges = np.linspace(-edge, edge, bins + 1)
        for step, v in values.items():
            counts, _ = np.histogram(v, bins=edges)
            rows.append(
                pd.DataFrame(
                    {
                        "init": init,
                        "step": step,
                        "layer": layer + 1,
                        "bin_left": edges[:-1],
                        "bin_right": edges[1:],
                        "count": counts,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def weight_table(inits: np.ndarray, seeds: np.ndarray, model_weights: list[Tensor]) -> pd.DataFrame:
    """Per (seed, layer) at initialisation: max |w|, fraction beyond 2σ, sample sd."""
    rows = []
    for layer, w in enumerate(model_weights, start=1):
        flat = w.detach().flatten(1).double()
        rows.append(
            pd.DataFrame(
                {
                    "init": inits,
                    "seed": seeds,
                    "layer": layer,
                    "max_abs_w": flat.abs().amax(dim=1).numpy(),
                    "frac_beyond_2sd": (flat.abs() > TRUNCATION).double().mean(dim=1).numpy(),
                    "std_w": flat.std(dim=1).numpy(),
                    "n_weights": flat.shape[1],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def variants(p: Params) -> pd.DataFrame:
    """Step-0 minibatch gradients for every input scaling × width × init (no training)."""
    frames = []
    for kind in p.variant_inputs:
        x, y = train_inputs(kind)
        x = x.to(DTYPES[p.dtype])
        idx = batch_indices(p.seeds, len(x), p.batch_size, 1)[:, 0]
        idx = idx.repeat(len(p.inits), 1)
        inits, seeds = member_labels(p)
        for width in p.variant_widths:
            grads, _ = weight_grads(ensemble(p, width, x.shape[1]), x[idx], y[idx])
            df = grad_stats(grads)
            df.insert(0, "seed", seeds[df["seed_index"]])
            df.insert(0, "init", inits[df.pop("seed_index")])
            df.insert(0, "width", width)
            df.insert(0, "n_in", x.shape[1])
            df.insert(0, "inputs", kind)
            frames.append(df)
    return pd.concat(frames, ignore_index=True)


def remedy_model(
    activation: str, inits: list[str], depth: int, width: int, n_in: int, p: Params, critical: float
) -> EnsembleMLP:
    """Every seed's network for each of ``inits`` (init-major, as ``ensemble``), one
    activation. The critical init draws LeCun's N(0, 1/fan_in) with the seed's generator and
    scales every layer by √σ_w²: N(0, σ_w²/fan_in), zero biases."""
    drawn = ["lecun" if i == CRITICAL else i for i in inits]
    model = EnsembleMLP(
        get_activation(activation), drawn, depth, width, n_in, 10, p.seeds, DTYPES[p.remedy_dtype]
    )
    s = len(p.seeds)
    with torch.no_grad():
        for k, init in enumerate(inits):
            if init == CRITICAL:
                for w in model.weights:
                    w[k * s : (k + 1) * s] *= math.sqrt(critical)
    return model


def step0_norms(model: EnsembleMLP, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(‖∂L/∂W_l‖, ‖δ_l‖, loss) of every network: (S, depth + 1), (S, depth + 1), (S,).
    Each network's loss is its own mean cross-entropy on its own batch x[s], y[s]; δ_l is
    ∂L/∂z_l over the batch, the last at the logits."""
    model.zero_grad(set_to_none=True)
    out = model(x, keep=True)
    out.logits.retain_grad()
    losses = per_model_loss(out.logits, y)
    losses.sum().backward()
    grads = torch.stack([w.grad.flatten(1).norm(dim=1) for w in model.weights], dim=1)
    deltas = [z.grad for z in out.pre] + [out.logits.grad]
    dnorm = torch.stack([d.flatten(1).norm(dim=1) for d in deltas], dim=1)
    return grads.detach(), dnorm.detach(), losses.detach()


def remedy_sigma_w2(init: str, width: int, critical: float) -> float:
    """σ_w² = fan_in·Var(W) of a hidden (width × width) layer."""
    return critical if init == CRITICAL else width * weight_variance(init, width, width)


def remedies(p: Params, x: Tensor, y: Tensor, critical: float) -> pd.DataFrame:
    """D5's table: per (set-up, depth, seed, layer) the step-0 norms on D3's minibatch.
    The set-ups of one activation run as one ensemble per depth."""
    x = x.to(DTYPES[p.remedy_dtype])
    idx = batch_indices(p.seeds, len(x), p.batch_size, 1)[:, 0]  # D3's step-0 batch per seed
    xb, yb = x[idx], y[idx]
    s = len(p.seeds)
    frames = []
    for activation in dict.fromkeys(a for _, a, _ in REMEDY_SETUPS):
        setups = [(c, i) for c, a, i in REMEDY_SETUPS if a == activation]
        inits = [i for _, i in setups]
        k = len(setups)
        for depth in p.remedy_depths:
            model = remedy_model(activation, inits, depth, p.width, x.shape[1], p, critical)
            grads, deltas, losses = step0_norms(model, xb.repeat(k, 1, 1), yb.repeat(k, 1))
            g, d, loss = grads.double().numpy(), deltas.double().numpy(), losses.double().numpy()
            bad = ~(np.isfinite(g).all(1) & np.isfinite(d).all(1) & np.isfinite(loss))
            layers = depth + 1
            frames.append(
                pd.DataFrame(
                    {
                        "change": np.repeat([c for c, _ in setups], s * layers),
                        "activation": activation,
                        "init": np.repeat(inits, s * layers),
                        "sigma_w2": np.repeat(
                            [remedy_sigma_w2(i, p.width, critical) for i in inits], s * layers
                        ),
                        "depth": depth,
                        "seed": np.repeat(np.tile(p.seeds, k), layers),
                        "layer": np.tile(np.arange(1, layers + 1), k * s),
                        "hidden": np.tile(np.arange(1, layers + 1) <= depth, k * s),
                        "weight_grad_norm": g.ravel(),
                        "delta_norm": d.ravel(),
                        "loss": np.repeat(loss, layers),
                        "status": np.repeat(np.where(bad, "overflowed", "finite"), layers),
                    }
                )
            )
    order = {(a, i): n for n, (_, a, i) in enumerate(REMEDY_SETUPS)}
    out = pd.concat(frames, ignore_index=True)
    rank = [order[ai] for ai in zip(out["activation"], out["init"], strict=True)]
    out = out.assign(_rank=rank).sort_values(["_rank", "depth", "seed", "layer"], kind="stable")
    return out[REMEDY_COLUMNS].reset_index(drop=True)


def run(p: Params, inputs: Tables, outputs: dict[str, Path]) -> None:
    check_params(p)  # the config was checked; a direct caller's params too
    stats_out, hist_out, variants_out, weights_out, meta_out, remedies_out = (
        outputs[k] for k in ("stats", "hist", "variants", "weights", "meta", "remedies")
    )
    x, y = train_inputs(p.inputs)
    inits, seeds = member_labels(p)
    weights = weight_table(inits, seeds, list(ensemble(p, p.width, x.shape[1]).weights))
    stats, snaps = train_and_probe(p, x, y)
    log.info("%d SGD steps × %d networks done", p.steps, len(inits))
    hists = [histograms(i, snaps, np.flatnonzero(inits == i), p.bins) for i in p.inits]
    stats.to_csv(stats_out, index=False)
    pd.concat(hists, ignore_index=True).to_csv(hist_out, index=False)
    variants(p).to_csv(variants_out, index=False)
    weights.to_csv(weights_out, index=False)
    # Sigmoid's order-to-chaos σ_w² at σ_b² = 0 (zero biases), by the phase study's theory.
    critical, q_star = critical_sigma_w2("sigmoid", 0.0)
    remedies(p, x, y, critical).to_csv(remedies_out, index=False)
    meta = {
        **asdict(p),
        "data": "scikit-learn digits (8x8, 64 inputs), training split"
        + ("" if p.inputs == "standardised" else f", inputs '{p.inputs}'"),
        "n_train": len(x),
        "n_in": int(x.shape[1]),
        "tutorial_tail": TUTORIAL_TAIL,
        "truncation": TRUNCATION,
        "normal_beyond_2sd": math.erfc(TRUNCATION / math.sqrt(2)),
        "critical_sigma_w2": critical,
        "critical_q_star": q_star,
    }
    meta_out.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
