"""A16: how much does mini-batch randomness alone move a training result?

For each setting (activation, init, depth) the same initial weights (one weight
seed) are trained with plain mini-batch SGD under several batch orders (which
examples go into which batch, and when). As a control, the same is done the
other way round: several weight seeds under one batch order. One row per run:
its final loss on the whole training split, its test accuracy and its status
("finite" or "diverged"). Every run of one setting and kind trains in one
batched ensemble, so the study takes seconds.

    run(p, inputs, outputs={"runs": runs.csv})
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..core.activations import get_activation
from ..core.data import digits
from ..core.models import EnsembleMLP
from ..machinery.config_check import check_params
from ..machinery.params.minibatch import Params, Setting
from ..machinery.tables import Tables
from ._small import dtype, evaluate, log, train_minibatch, write_csv


def _ensemble(
    p: Params, s: Setting, weight_seeds: list[int], order_seeds: list[int]
) -> EnsembleMLP:
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


def run(p: Params, inputs: Tables, outputs: dict[str, Path]) -> None:
    check_params(p)  # the config was checked; a direct caller's params too
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
