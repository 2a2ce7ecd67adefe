"""B3 and B4: exact zeros in ReLU nets, an L1 activation penalty, and softplus.

Networks of each activation (ReLU, softplus) and each L1 weight λ train with
Adam on mini-batches of digits; the penalty λ·Σ_layers mean|h| is added to
each network's loss. At init and at the end, on the test split: the
exact-zero fraction of hidden outputs, the dead-unit fraction, loss and
accuracy. One row per (activation, λ, seed, phase).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import pandas as pd

from ..config_types import (
    Activations,
    ComputeDtype,
    Depth,
    Grid,
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
    activations: Activations = field(default_factory=lambda: ["relu", "softplus"])
    # λ = 0 is the plain comparison (B4); the others the sparsity-inducing runs (B3)
    l1: Grid(Annotated[float, Spec(ge=0, le=100)]) = field(
        default_factory=lambda: [0.0, 0.01, 0.03, 0.1]
    )
    depth: Depth = 4
    width: Width = 64
    init: InitName = "he"
    seeds: Seeds = field(default_factory=lambda: [0, 1, 2, 3, 4])
    optimizer: Optimizer = "adam"
    lr: Lr = 0.001
    steps: Steps = 600
    batch_size: TrainBatch = 64
    dtype: ComputeDtype = "float32"

    def validate(self) -> None:
        if 0.0 not in self.l1:
            raise ValueError("l1: must include 0 (the unpenalised reference)")


def run(params: dict[str, Any], inputs: Tables, outputs: dict[str, Path]) -> None:
    p = Params(**params)
    ds = digits()
    rows = []
    for name in p.activations:
        for lam in p.l1:
            model = digits_ensemble(p, name)

            def record(
                step: int, model: EnsembleMLP = model, name: str = name, lam: float = lam
            ) -> None:
                phase = "init" if step == 0 else "final"
                ev = evaluate(model, ds.x_test, ds.y_test)
                tr = evaluate(model, ds.x_train, ds.y_train)
                rows.extend(
                    seed_rows(
                        p.seeds,
                        {"activation": name, "l1": lam, "phase": phase, "step": step},
                        zero_frac=ev["zero_frac"],
                        dead_frac=ev["dead_frac"],
                        test_loss=ev["loss"],
                        test_accuracy=ev["accuracy"],
                        train_loss=tr["loss"],
                    )
                )

            train_minibatch(
                model,
                ds.x_train,
                ds.y_train,
                optimizer=p.optimizer,
                lr=p.lr,
                steps=p.steps,
                batch_size=p.batch_size,
                penalty=lam,
                eval_every=p.steps,
                on_eval=record,
            )
            log.info("sparsity %s l1=%g done", name, lam)
    write_csv(pd.DataFrame(rows), outputs["runs"])
