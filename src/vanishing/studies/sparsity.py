"""B3 and B4: exact zeros in ReLU nets, an L1 activation penalty, and softplus.

Networks of each activation (ReLU, softplus) and each L1 weight λ train with
Adam on mini-batches of digits; the penalty λ·Σ_layers mean|h| is added to
each network's loss. At init and at the end, on the test split: the
exact-zero fraction of hidden outputs, the dead-unit fraction, loss and
accuracy. One row per (activation, λ, optimizer, depth, seed, phase).

B4 says hard zeros *can* help: an existence claim, which one setting cannot give a
fair chance. So the unpenalised ReLU/softplus pair also trains under every
optimiser in ``b4_optimizers`` × depth in ``b4_depths`` (SGD at its own learning
rate: Adam's 0.001 barely moves plain SGD in this budget).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..core.data import digits
from ..core.models import EnsembleMLP
from ..machinery.params.sparsity import Params
from ..machinery.tables import Tables
from ._small import digits_ensemble, evaluate, log, seed_rows, train_minibatch, write_csv


def _settings(p: Params) -> list[tuple[str, int, list[float]]]:
    """(optimizer, depth, λs): the main setting with every λ, then B4's extra ones."""
    out: list[tuple[str, int, list[float]]] = [(p.optimizer, p.depth, list(p.l1))]
    for opt in p.b4_optimizers:
        for depth in p.b4_depths:
            if (opt, depth) != (p.optimizer, p.depth):
                out.append((opt, depth, [0.0]))
    return out


def run(p: Params, inputs: Tables, outputs: dict[str, Path]) -> None:
    ds = digits()
    rows = []
    for opt, depth, lams in _settings(p):
        q = replace(p, depth=depth)
        lr = p.sgd_lr if opt == "sgd" and opt != p.optimizer else p.lr
        for name in p.activations:
            for lam in lams:
                model = digits_ensemble(q, name)

                def record(
                    step: int,
                    model: EnsembleMLP = model,
                    name: str = name,
                    lam: float = lam,
                    opt: str = opt,
                    depth: int = depth,
                ) -> None:
                    phase = "init" if step == 0 else "final"
                    ev = evaluate(model, ds.x_test, ds.y_test)
                    tr = evaluate(model, ds.x_train, ds.y_train)
                    keys = {"activation": name, "l1": lam, "optimizer": opt, "depth": depth}
                    rows.extend(
                        seed_rows(
                            p.seeds,
                            {**keys, "phase": phase, "step": step},
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
                    optimizer=opt,
                    lr=lr,
                    steps=p.steps,
                    batch_size=p.batch_size,
                    penalty=lam,
                    eval_every=p.steps,
                    on_eval=record,
                )
                log.info("sparsity %s l1=%g %s depth %d done", name, lam, opt, depth)
    write_csv(pd.DataFrame(rows), outputs["runs"])
