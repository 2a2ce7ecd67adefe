"""C1: one configuration, many learning rates.

Plain mini-batch SGD (w ← w − α∇J) on digits for a ReLU/He MLP, every seed of
one learning rate batched. Every ``eval_every`` steps the full training-set
loss is recorded. One row per (lr, seed, step); a diverged network is
recorded with a non-finite loss, not dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..data import digits
from ..models import EnsembleMLP
from ..tables import Tables
from ._small import digits_ensemble, evaluate, log, seed_rows, train_minibatch, write_csv


@dataclass
class Params:
    lrs: list[float] = field(default_factory=lambda: [0.001, 0.01, 0.1, 0.3, 1.0, 3.0])
    activation: str = "relu"
    init: str = "he"
    depth: int = 4
    width: int = 64
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])
    optimizer: str = "sgd"
    steps: int = 600
    batch_size: int = 64
    eval_every: int = 20
    dtype: str = "float32"

    def validate(self) -> None:
        if len(self.lrs) < 3:
            raise ValueError("lrs needs at least 3 values (small, best, large)")
        if self.eval_every < 1 or self.steps < self.eval_every:
            raise ValueError("eval_every must be in [1, steps]")


def run(params: dict[str, Any], inputs: Tables, outputs: dict[str, Path]) -> None:
    p = Params(**params)
    ds = digits()
    rows = []
    for lr in p.lrs:
        model = digits_ensemble(p, p.activation)

        def record(step: int, model: EnsembleMLP = model, lr: float = lr) -> None:
            tr = evaluate(model, ds.x_train, ds.y_train)
            te = evaluate(model, ds.x_test, ds.y_test)
            rows.extend(
                seed_rows(
                    p.seeds,
                    {"lr": lr, "step": step},
                    train_loss=tr["loss"],
                    test_accuracy=te["accuracy"],
                )
            )

        train_minibatch(
            model,
            ds.x_train,
            ds.y_train,
            optimizer=p.optimizer,
            lr=lr,
            steps=p.steps,
            batch_size=p.batch_size,
            eval_every=p.eval_every,
            on_eval=record,
        )
        log.info("lr sweep lr=%g done", lr)
    write_csv(pd.DataFrame(rows), outputs["curves"])
