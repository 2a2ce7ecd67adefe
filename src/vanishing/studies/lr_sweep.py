"""C1: one configuration, many learning rates.

Plain mini-batch SGD (w ← w − α∇J) on digits for a ReLU/He MLP, every seed of
one learning rate batched. Every ``eval_every`` steps the full training-set
loss is recorded. One row per (lr, seed, step); a diverged network is
recorded with a non-finite loss, not dropped.

With SGD the steps run through the hand-written backward pass
(``backward.sgd_step``: autograd's kernels without its bookkeeping, the update
fused into the gradient's product), which halves the job's time at these
sizes; Adam goes through autograd and torch's optimizer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import torch

from ..core.backward import logits, losses, sgd_step
from ..core.data import digits
from ..core.models import EnsembleMLP
from ..machinery.params.lr_sweep import Params
from ..machinery.tables import Tables
from ._small import batch_orders, digits_ensemble, log, seed_rows, train_minibatch, write_csv


def _train_sgd(model: EnsembleMLP, p: Params, lr: float, record: Callable[[int], None]) -> None:
    """Plain SGD through ``backward.sgd_step``, recording at the same steps as
    ``train_minibatch`` (step 0, every ``eval_every`` steps, the end)."""
    ds = digits()
    x = ds.x_train.to(model.weights[0].dtype)
    orders = batch_orders(model.seeds, len(x), p.batch_size, p.steps)
    with torch.no_grad():
        for step in range(p.steps):
            if step % p.eval_every == 0:
                record(step)
            idx = orders[step]  # (S, batch): each network's own batch
            sgd_step(model, x[idx], ds.y_train[idx], lr)
    record(p.steps)


def run(p: Params, inputs: Tables, outputs: dict[str, Path]) -> None:
    ds = digits()
    rows = []
    for lr in p.lrs:
        model = digits_ensemble(p, p.activation)

        def record(step: int, model: EnsembleMLP = model, lr: float = lr) -> None:
            with torch.no_grad():
                dt = model.weights[0].dtype
                train_loss = losses(logits(model, ds.x_train.to(dt)), ds.y_train)
                test_pred = logits(model, ds.x_test.to(dt)).argmax(-1)
            rows.extend(
                seed_rows(
                    p.seeds,
                    {"lr": lr, "step": step},
                    train_loss=train_loss.double(),
                    test_accuracy=(test_pred == ds.y_test).double().mean(1),
                )
            )

        if p.optimizer == "sgd":
            _train_sgd(model, p, lr, record)
        else:
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
