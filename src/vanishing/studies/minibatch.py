"""A16: how much does mini-batch randomness alone move a training result?

For each setting (activation, init, depth) the same initial weights (one weight
seed) are trained with plain mini-batch SGD under several batch orders (which
examples go into which batch, and when). As a control, the same is done the
other way round: several weight seeds under one batch order. One row per run:
its final loss on the whole training split, its test accuracy and its status
("finite" or "diverged"). Every run of one setting and kind trains in one
batched ensemble, so the study takes seconds.

    run(params, inputs, outputs={"runs": runs.csv})
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from ..activations import get_activation
from ..data import digits
from ..models import EnsembleMLP
from ..tables import Tables
from ._small import dtype, evaluate, log, train_minibatch, write_csv


def _default_settings() -> list[dict]:
    # A shallow and a deep net of the two families the training grid compares.
    return [
        {"activation": "relu", "init": "he", "depth": 4},
        {"activation": "relu", "init": "he", "depth": 16},
        {"activation": "tanh", "init": "xavier", "depth": 4},
        {"activation": "tanh", "init": "xavier", "depth": 16},
    ]


@dataclass
class Params:
    settings: list[dict] = field(default_factory=_default_settings)
    # Batch-order seeds (runs of one setting); the weight seed is fixed at init_seed.
    orders: list[int] = field(default_factory=lambda: list(range(10)))
    init_seed: int = 0
    width: int = 64
    # the training grid's optimiser, rate and batch size, for fewer steps
    steps: int = 200
    lr: float = 0.05
    batch_size: int = 32
    dtype: str = "float32"

    def validate(self) -> None:
        for i, s in enumerate(self.settings):
            if set(s) != {"activation", "init", "depth"}:
                raise ValueError(f"settings[{i}]: needs exactly activation, init, depth")
            get_activation(s["activation"])
        if len(self.orders) < 2:
            raise ValueError("orders: at least two batch orders are needed to see a spread")
        if len(set(self.orders)) != len(self.orders):
            raise ValueError("orders: must be distinct")
        if self.steps < 1 or self.width < 1 or self.batch_size < 1 or self.lr <= 0:
            raise ValueError("steps, width, batch_size and lr must be positive")


def _ensemble(p: Params, s: dict, weight_seeds: list[int], order_seeds: list[int]) -> EnsembleMLP:
    ds = digits()
    model = EnsembleMLP(
        get_activation(s["activation"]),
        s["init"],
        int(s["depth"]),
        p.width,
        ds.n_in,
        ds.n_out,
        weight_seeds,
        dtype(p.dtype),
    )
    # train_minibatch draws network i's batch order from model.seeds[i]: decouple it from
    # the weights (identical weights, different orders, or the other way round)
    model.seeds = list(order_seeds)
    return model


def run(params: dict[str, Any], inputs: Tables, outputs: dict[str, Path]) -> None:
    p = Params(**params)
    p.validate()
    ds = digits()
    rows = []
    b = len(p.orders)
    for s in p.settings:
        kinds = {
            "batch_order": ([p.init_seed] * b, list(p.orders)),
            "init": (list(p.orders), [p.init_seed] * b),
        }
        for kind, (w_seeds, o_seeds) in kinds.items():
            model = _ensemble(p, s, w_seeds, o_seeds)
            with torch.no_grad():
                w0 = model.weights[0].detach().clone()
            train_minibatch(
                model,
                ds.x_train,
                ds.y_train,
                optimizer="sgd",
                lr=p.lr,
                steps=p.steps,
                batch_size=p.batch_size,
            )
            tr = evaluate(model, ds.x_train, ds.y_train)
            te = evaluate(model, ds.x_test, ds.y_test)
            loss = tr["loss"].numpy()
            finite = (
                np.isfinite(loss)
                & torch.isfinite(torch.stack([w.detach().flatten(1).sum(1) for w in model.weights]))
                .all(0)
                .numpy()
            )
            for i in range(b):
                rows.append(
                    {
                        **s,
                        "width": p.width,
                        "steps": p.steps,
                        "kind": kind,
                        "weight_seed": w_seeds[i],
                        "order_seed": o_seeds[i],
                        "same_init": bool(torch.equal(w0[i], w0[0])),
                        "final_loss": float(loss[i]),
                        "test_accuracy": float(te["accuracy"][i]),
                        "status": "finite" if finite[i] else "diverged",
                    }
                )
        log.info("minibatch %s/%s/%s done", s["activation"], s["init"], s["depth"])
    write_csv(pd.DataFrame(rows), outputs["runs"])
