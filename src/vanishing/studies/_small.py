"""Helpers shared by the small focused studies (not a study itself: no Params)."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from ..core.activations import get_activation
from ..core.data import digits
from ..core.models import EnsembleMLP, Forward, per_model_loss, seed_generator
from ..core.runtime import DTYPES

log = logging.getLogger("vanishing.studies")

# Salt of the mini-batch order stream: separate from the weights' stream (salt 0).
ORDER_SALT = 7


def dtype(name: str) -> torch.dtype:
    return DTYPES[name]


def make_optimizer(model: torch.nn.Module, name: str, lr: float) -> torch.optim.Optimizer:
    """SGD or Adam; both are elementwise, so on an ensemble loss (a sum of
    independent per-network losses) each network follows its own trajectory."""
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr)
    if name == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr)
    raise ValueError(f"optimizer must be 'sgd' or 'adam', got {name!r}")


def batch_orders(seeds: list[int], n: int, batch: int, steps: int) -> torch.Tensor:
    """Per-network mini-batch indices, (steps, S, batch): network i's order
    depends on its own seed only (epochs of fresh permutations)."""
    per_epoch = n // batch
    epochs = math.ceil(steps / per_epoch)
    out = []
    for seed in seeds:
        g = seed_generator(seed, ORDER_SALT)
        perm = torch.cat(
            [torch.randperm(n, generator=g)[: per_epoch * batch] for _ in range(epochs)]
        )
        out.append(perm[: steps * batch].reshape(steps, batch))
    return torch.stack(out, dim=1)


def forward_all(model: EnsembleMLP, x: torch.Tensor) -> Forward:
    """Every hidden tensor of a forward pass (works under no_grad too)."""
    return model(x, keep=True)


def digits_ensemble(p: Any, activation: str, dtype_name: str | None = None) -> EnsembleMLP:
    """The digits MLP ensemble a study's Params describe (init, depth, width,
    seeds, and dtype unless ``dtype_name`` is given), with the named activation."""
    ds = digits()
    return EnsembleMLP(
        get_activation(activation),
        p.init,
        p.depth,
        p.width,
        ds.n_in,
        ds.n_out,
        p.seeds,
        dtype(dtype_name or p.dtype),
    )


def seed_rows(seeds: list[int], common: dict[str, Any], **per_seed: Any) -> list[dict[str, Any]]:
    """One row per network: the shared columns plus the i-th entry of each per-seed array."""
    return [
        {**common, "seed": seed, **{k: float(v[i]) for k, v in per_seed.items()}}
        for i, seed in enumerate(seeds)
    ]


def write_csv(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, float_format="%.10g")


def write_json(obj: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, allow_nan=True) + "\n")


def evaluate(model: EnsembleMLP, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-network loss, accuracy and hidden-unit statistics on (x, y)."""
    with torch.no_grad():
        fwd = forward_all(model, x.to(model.weights[0].dtype))
        loss = per_model_loss(fwd.logits, y)
        acc = (fwd.logits.argmax(-1) == y).double().mean(1)
        zero = torch.stack([(h == 0).flatten(1).double().mean(1) for h in fwd.post]).mean(0)
        dead = torch.stack([(z <= 0).all(dim=1).double().mean(1) for z in fwd.pre]).mean(0)
    return {"loss": loss.double(), "accuracy": acc, "zero_frac": zero, "dead_frac": dead}


def train_minibatch(
    model: EnsembleMLP,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    optimizer: str,
    lr: float,
    steps: int,
    batch_size: int,
    penalty: float = 0.0,
    eval_every: int = 0,
    on_eval=None,
) -> None:
    """Mini-batch training of every network of the ensemble on its own batch
    order. ``penalty`` adds λ·Σ_layers mean|h| (an L1 activation penalty) to
    each network's loss. ``on_eval(step)`` is called at step 0, every
    ``eval_every`` steps and at the end (the caller measures what it needs)."""
    x = x.to(model.weights[0].dtype)
    orders = batch_orders(model.seeds, len(x), batch_size, steps)
    opt = make_optimizer(model, optimizer, lr)
    for step in range(steps):
        if on_eval is not None and eval_every and step % eval_every == 0:
            on_eval(step)
        idx = orders[step]  # (S, batch)
        xb, yb = x[idx], y[idx]
        opt.zero_grad(set_to_none=True)
        if penalty:
            fwd = forward_all(model, xb)
            loss = per_model_loss(fwd.logits, yb).sum()
            act = torch.stack([h.abs().mean(dim=(1, 2)) for h in fwd.post]).sum(0)
            loss = loss + penalty * act.sum()
        else:
            loss = per_model_loss(model(xb).logits, yb).sum()
        loss.backward()
        opt.step()
    if on_eval is not None:
        on_eval(steps)
