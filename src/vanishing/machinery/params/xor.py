"""The parameters of ``vanishing.studies.xor``, B6: how often a tiny MLP learns XOR."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from ..config_types import Activations, ComputeDtype, InitName, Spec, Widths, XorOptimizer


@dataclass
class Params:
    # The source's contrast (plain vs leaky ReLU, abs) plus smooth references.
    activations: Activations = field(
        default_factory=lambda: [
            "relu",
            "leaky_relu",
            "leaky_relu0.2",
            "abs",
            "tanh",
            "sigmoid",
            "elu",
            "prelu",
        ]
    )
    # 2 hidden units is the minimum that can represent XOR; 4 gives slack.
    widths: Widths = field(default_factory=lambda: [2, 4])
    n_seeds: Annotated[int, Spec(ge=1, le=1_000_000)] = 200
    init: InitName = "xavier"
    # Each entry: optimiser name, learning rate, steps (full batch of 4 points).
    optimizers: Annotated[list[XorOptimizer], Spec(min_items=1, max_items=10, unique=True)] = field(
        default_factory=lambda: [
            {"name": "adam", "lr": 0.05, "steps": 1000},
            {"name": "sgd", "lr": 0.5, "steps": 2000},
        ]
    )
    dtype: ComputeDtype = "float64"
