"""B6: how often a tiny MLP learns XOR, per activation, over many seeds.

All seeds of one (activation, width, optimiser) train at once as a batched
ensemble on the four XOR points (full batch). Success = all four points
classified correctly at the end. Output: one row per seed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import torch

from ..core.activations import get_activation
from ..core.data import xor
from ..core.models import EnsembleMLP, per_model_loss
from ..machinery.config_types import XorOptimizer
from ..machinery.params.xor import Params
from ..machinery.tables import Tables
from ._small import dtype, log, make_optimizer, write_csv


def train_xor(
    activation: str, width: int, seeds: list[int], init: str, opt: XorOptimizer, dt: torch.dtype
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


def run(p: Params, inputs: Tables, outputs: dict[str, Path]) -> None:
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
