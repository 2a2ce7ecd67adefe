"""Theory stage: the analytic thresholds and curves as tables under results/theory/.

Everything here is computed (closed forms cross-checked in tests by bisection
and dense grids); nothing downstream retypes these numbers.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TypedDict

import numpy as np
import pandas as pd
import torch

from ..core import theory, vocabulary
from ..core.activations import LECUN_A, LECUN_B, derivative, get_activation
from ..core.data import describe, digits
from ..core.mean_field import gauss_expectation
from ..machinery.tables import Tables

log = logging.getLogger("vanishing.core.theory")

# Activations whose derivative curves the figure shows: every activation of the
# vocabulary, with the tanh(n·x) the sources discuss.
CURVE_ACTIVATIONS = (*vocabulary.ACTIVATIONS, "tanh_n0.5", "tanh_n2", "tanh_n3")
X_RANGE = (-4.0, 4.0)
EXAMPLE_N, EXAMPLE_K = 2.0, 50


def derivative_curves(names: tuple[str, ...] = CURVE_ACTIVATIONS, points: int = 801):
    x = torch.linspace(*X_RANGE, points, dtype=torch.float64)
    rows = []
    for name in names:
        act = get_activation(name)
        d = derivative(act, x)  # autograd: what back-propagation multiplies
        y = act(x).detach()
        rows.append(
            pd.DataFrame(
                {"activation": name, "x": x.numpy(), "value": y.numpy(), "derivative": d.numpy()}
            )
        )
    return pd.concat(rows, ignore_index=True)


def threshold_curve(n_lo: float = 1.01, n_hi: float = 10.0, points: int = 2000) -> pd.DataFrame:
    n = np.linspace(n_lo, n_hi, points)
    t1 = theory.t1(n)
    return pd.DataFrame(
        {"n": n, "t1": t1, "t2": -t1, "t_explode": theory.t_explode(n), "t_k50": theory.t_k(n, 50)}
    )


def lecun_numbers() -> dict[str, float]:
    """What LeCun's 1.7159·tanh(2x/3) is built to satisfy, recomputed."""
    b = LECUN_B
    x = np.linspace(0, 5, 500_001)
    # f''(x) = -2ab² tanh(bx) sech²(bx): where its magnitude peaks.
    f2 = 2 * LECUN_A * b**2 * np.tanh(b * x) / np.cosh(b * x) ** 2
    return {
        "a": LECUN_A,
        "b": b,
        "a_from_f1_eq_1": float(1 / np.tanh(b)),  # a such that f(1) = 1
        "f_at_1": float(LECUN_A * np.tanh(b)),
        "gain_at_0": float(LECUN_A * b),
        "argmax_abs_f2": float(x[np.argmax(f2)]),
        # Var of f(x) for x ~ N(0,1): near 1 means unit-variance inputs stay unit-variance.
        "var_f_standard_normal": float(
            gauss_expectation(lambda h: (LECUN_A * np.tanh(b * h)) ** 2, 1.0)
        ),
    }


class TheoryParams(TypedDict, total=False):
    """The theory stage's parameters: the n of the config's tanh_n<n> activations, whose
    thresholds the table adds to its own (none when absent)."""

    tanh_ns: list[float]


def run(p: TheoryParams, inputs: Tables, outputs: dict[str, Path]) -> None:
    """The theory stage: threshold tables, derivative curves and maxima."""
    ns = sorted({0.5, 1.0, 1.5, 2.0, 3.0, *p.get("tanh_ns", [])})
    pd.DataFrame(theory.threshold_table(ns, ks=(2, 10, 50))).to_csv(
        outputs["thresholds"], index=False
    )
    threshold_curve().to_csv(outputs["curve"], index=False)
    derivative_curves().to_csv(outputs["derivatives"], index=False)
    n_star, t_star = theory.t1_continuous_max()
    n_int, t_int = theory.t1_integer_max()
    s_arg, s_max = theory.sigmoid_derivative_max()
    maxima = {
        "t1_continuous_argmax": n_star,
        "t1_continuous_max": t_star,
        "t1_integer_argmax": n_int,
        "t1_integer_max": t_int,
        "sigmoid_derivative_argmax": s_arg,
        "sigmoid_derivative_max": s_max,
        "t_k_2_50": float(theory.t_k(2.0, 50)),
        "t1_2": float(theory.t1(2.0)),
        "t_explode_2": float(theory.t_explode(2.0)),
        "lecun": lecun_numbers(),
        # The worked example the report quotes (source A uses n = 2, K = 50).
        "example": {
            "n": EXAMPLE_N,
            "k": EXAMPLE_K,
            "t1": float(theory.t1(EXAMPLE_N)),
            "t_explode": float(theory.t_explode(EXAMPLE_N)),
            "t_k": float(theory.t_k(EXAMPLE_N, EXAMPLE_K)),
        },
        "data": describe(digits()),
    }
    outputs["maxima"].write_text(json.dumps(maxima, indent=2) + "\n")
    log.info("theory tables written")
