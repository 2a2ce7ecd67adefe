"""C8: the negative slope ε of leaky ReLU, and the frameworks' defaults.

1. slopes table: for each ε (0 = plain ReLU) an ensemble of MLPs trains with
   mini-batch SGD on digits; at init and at the end: dead-unit fraction (a
   unit whose pre-activation is ≤ 0 on every training example), log10 of the
   first/last weight-gradient norm ratio on a fixed batch, train loss, test
   accuracy. One row per (ε, seed, phase).
2. defaults JSON: PyTorch's defaults read from the installed torch; the
   others (not installed here) as documented facts with their source URL.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pandas as pd
import torch

from ..core.data import digits, probe_batch
from ..core.gradients import layer_stats
from ..core.models import EnsembleMLP
from ..machinery.params.leaky_slope import Params, activation_name
from ..machinery.tables import Tables
from ._small import (
    digits_ensemble,
    evaluate,
    log,
    seed_rows,
    train_minibatch,
    write_csv,
    write_json,
)

# Documented defaults of packages that are not installed here (checked against their
# API reference pages). PyTorch's are read from the installed package instead.
DOCUMENTED_DEFAULTS = [
    {
        "framework": "TensorFlow",
        "api": "tf.nn.leaky_relu(features, alpha=0.2)",
        "default": 0.2,
        "source": "https://www.tensorflow.org/api_docs/python/tf/nn/leaky_relu",
    },
    {
        "framework": "Keras 3",
        "api": "keras.layers.LeakyReLU(negative_slope=0.3)",
        "default": 0.3,
        "source": "https://keras.io/api/layers/activation_layers/leaky_relu/",
    },
    {
        "framework": "Keras 2 (tf.keras)",
        "api": "tf.keras.layers.LeakyReLU(alpha=0.3)",
        "default": 0.3,
        "source": "https://www.tensorflow.org/versions/r2.14/api_docs/python/tf/keras/layers/LeakyReLU",
    },
    {
        "framework": "Keras 3 (function)",
        "api": "keras.activations.leaky_relu(x, negative_slope=0.2)",
        "default": 0.2,
        "source": "https://www.tensorflow.org/api_docs/python/tf/keras/activations/leaky_relu",
    },
    {
        "framework": "JAX",
        "api": "jax.nn.leaky_relu(x, negative_slope=0.01)",
        "default": 0.01,
        "source": "https://docs.jax.dev/en/latest/_autosummary/jax.nn.leaky_relu.html",
    },
]


# The main leaky-ReLU entry point of each framework (one vote each).
COUNTED = ("PyTorch", "TensorFlow", "Keras 3", "JAX")


def grad_ratio(model: EnsembleMLP, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """log10(‖∇W_first‖ / ‖∇W_last‖) per network."""
    st = layer_stats(model, x.to(model.weights[0].dtype), y)
    first = st[st["layer"] == 1].set_index("seed")["grad_norm"]
    last = st[st["layer"] == model.depth + 1].set_index("seed")["grad_norm"]
    with torch.no_grad():
        r = torch.tensor((first / last).reindex(model.seeds).to_numpy(), dtype=torch.float64)
        return torch.log10(r)


def pytorch_defaults() -> list[dict]:
    f_default = inspect.signature(torch.nn.functional.leaky_relu).parameters["negative_slope"]
    rrelu = torch.nn.RReLU()
    return [
        {
            "framework": "PyTorch",
            "api": "torch.nn.LeakyReLU().negative_slope",
            "default": float(torch.nn.LeakyReLU().negative_slope),
            "source": f"read from installed torch {torch.__version__}",
        },
        {
            "framework": "PyTorch (functional)",
            "api": "torch.nn.functional.leaky_relu(negative_slope=...)",
            "default": float(f_default.default),
            "source": f"read from installed torch {torch.__version__}",
        },
        {
            # RReLU samples the slope from U[lower, upper] in training: reported as the midpoint
            "framework": "PyTorch RReLU (randomised)",
            "api": f"torch.nn.RReLU(lower={rrelu.lower:.4g}, upper={rrelu.upper:.4g})",
            "default": (rrelu.lower + rrelu.upper) / 2,
            "source": f"read from installed torch {torch.__version__}",
        },
    ]


def run(p: Params, inputs: Tables, outputs: dict[str, Path]) -> None:
    ds = digits()
    xp, yp = probe_batch(ds, p.probe_batch)
    rows = []
    for slope in p.slopes:
        name = activation_name(slope)
        model = digits_ensemble(p, name)

        def record(
            step: int, model: EnsembleMLP = model, slope: float = slope, name: str = name
        ) -> None:
            tr = evaluate(model, ds.x_train, ds.y_train)
            te = evaluate(model, ds.x_test, ds.y_test)
            ratio = grad_ratio(model, xp, yp)
            rows.extend(
                seed_rows(
                    p.seeds,
                    {
                        "slope": slope,
                        "activation": name,
                        "step": step,
                        "phase": "init" if step == 0 else "final",
                    },
                    dead_frac=tr["dead_frac"],
                    log10_grad_ratio=ratio,
                    train_loss=tr["loss"],
                    test_accuracy=te["accuracy"],
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
            eval_every=p.steps,
            on_eval=record,
        )
        log.info("leaky slope %g done", slope)
    write_csv(pd.DataFrame(rows), outputs["runs"])
    defaults = pytorch_defaults() + DOCUMENTED_DEFAULTS
    for d in defaults:
        d["in_0.2_0.3"] = bool(0.2 - 1e-9 <= d["default"] <= 0.3 + 1e-9)
        # one vote per framework's main leaky-ReLU entry point: variants would double-count
        d["counted"] = d["framework"] in COUNTED
    write_json({"defaults": defaults}, outputs["defaults"])
