"""C1: one configuration, many learning rates.

Plain mini-batch SGD (w ← w − α∇J) on digits for a ReLU/He MLP, every seed of
one learning rate batched. Every ``eval_every`` steps the full training-set
loss is recorded. One row per (lr, seed, step); a diverged network is
recorded with a non-finite loss, not dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import pandas as pd

from ..config_types import (
    MAX_SEEDS,
    ActivationName,
    ComputeDtype,
    Count,
    Depth,
    InitName,
    Lr,
    Optimizer,
    Seeds,
    Spec,
    Steps,
    TrainBatch,
    Width,
)
from ..data import digits
from ..models import EnsembleMLP
from ..tables import Tables
from ._small import digits_ensemble, evaluate, log, seed_rows, train_minibatch, write_csv


@dataclass
class Params:
    # at least 3 distinct rates: one small, the best, one large
    lrs: Annotated[list[Lr], Spec(min_items=3, max_items=MAX_SEEDS, unique=True)] = field(
        default_factory=lambda: [0.001, 0.01, 0.1, 0.3, 1.0, 3.0]
    )
    activation: ActivationName = "relu"
    init: InitName = "he"
    depth: Depth = 4
    width: Width = 64
    seeds: Seeds = field(default_factory=lambda: [0, 1, 2, 3, 4])
    optimizer: Optimizer = "sgd"
    steps: Steps = 600
    batch_size: TrainBatch = 64
    eval_every: Count = 20
    dtype: ComputeDtype = "float32"

    def validate(self) -> None:
        if self.steps < self.eval_every:
            raise ValueError(f"eval_every: must be <= steps ({self.steps})")


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
