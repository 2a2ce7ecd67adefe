"""B6: how often a tiny MLP learns XOR, per activation, over many seeds.

All seeds of one (activation, width, optimiser) train at once as a batched
ensemble on the four XOR points (full batch). Success = all four points
classified correctly at the end. Output: one row per seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import torch

from ..activations import get_activation
from ..config_types import Activations, ComputeDtype, InitName, Spec, Widths, XorOptimizer
from ..data import xor
from ..models import EnsembleMLP, per_model_loss
from ..tables import Tables
from ._small import dtype, log, make_optimizer, write_csv


@dataclass
class Params:
    # The source's contrast (plain vs leaky ReLU, abs) plus smooth references.
    activations: Activations = field(
        default_factory=lambda: [
            "relu",
            "leaky_relu",
            "leaky_relu0.2",
            "abs",
            "tanh",
            "sigmoid",
            "elu",
            "prelu",
        ]
    )
    # 2 hidden units is the minimum that can represent XOR; 4 gives slack.
    widths: Widths = field(default_factory=lambda: [2, 4])
    n_seeds: Annotated[int, Spec(ge=1, le=1_000_000)] = 200
    init: InitName = "xavier"
    # Each entry: optimiser name, learning rate, steps (full batch of 4 points).
    optimizers: Annotated[list[XorOptimizer], Spec(min_items=1, max_items=10, unique=True)] = field(
        default_factory=lambda: [
            {"name": "adam", "lr": 0.05, "steps": 1000},
            {"name": "sgd", "lr": 0.5, "steps": 2000},
        ]
    )
    dtype: ComputeDtype = "float64"


def train_xor(
    activation: str, width: int, seeds: list[int], init: str, opt: dict, dt: torch.dtype
) -> pd.DataFrame:
    x, y = xor()
    x = x.to(dt)
    model = EnsembleMLP(get_activation(activation), init, 1, width, 2, 2, seeds, dtype=dt)
    optim = make_optimizer(model, opt["name"], opt["lr"])
    for _ in range(int(opt["steps"])):
        optim.zero_grad(set_to_none=True)
        per_model_loss(model(x).logits, y).sum().backward()
        optim.step()
    with torch.no_grad():
        logits = model(x).logits
        loss = per_model_loss(logits, y)
        correct = (logits.argmax(-1) == y).sum(dim=1)
    return pd.DataFrame(
        {
            "activation": activation,
            "width": width,
            "optimizer": opt["name"],
            "lr": opt["lr"],
            "steps": opt["steps"],
            "seed": seeds,
            "n_correct": correct.numpy(),
            "success": (correct == 4).numpy(),
            "final_loss": loss.double().numpy(),
        }
    )


def run(params: dict[str, Any], inputs: Tables, outputs: dict[str, Path]) -> None:
    p = Params(**params)
    seeds = list(range(p.n_seeds))
    frames = []
    for opt in p.optimizers:
        for width in p.widths:
            for a in p.activations:
                df = train_xor(a, width, seeds, p.init, opt, dtype(p.dtype))
                log.info(
                    "xor %s width %d %s: success %.3f", a, width, opt["name"], df["success"].mean()
                )
                frames.append(df)
    write_csv(pd.concat(frames, ignore_index=True), outputs["runs"])
