"""The parameters of ``vanishing.studies.sparsity``, B3 and B4: exact zeros in ReLU nets, an L1
activation penalty, and softplus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

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


@dataclass
class Params:
    activations: Activations = field(default_factory=lambda: ["relu", "softplus"])
    # λ = 0 is the plain comparison (B4); the others the sparsity-inducing runs (B3)
    l1: Grid[Annotated[float, Spec(ge=0, le=100)]] = field(
        default_factory=lambda: [0.0, 0.01, 0.03, 0.1]
    )
    depth: Depth = 4
    width: Width = 64
    init: InitName = "he"
    # ≥ 10: B4's verdict rests on a paired difference over seeds
    seeds: Seeds = field(default_factory=lambda: list(range(10)))
    optimizer: Optimizer = "adam"
    lr: Lr = 0.001
    # B4's further settings (λ = 0 only), beside the main one (optimizer, depth) above
    b4_optimizers: Grid[Optimizer] = field(default_factory=lambda: ["adam", "sgd"])
    b4_depths: Grid[Depth] = field(default_factory=lambda: [4, 8])
    # plain SGD's learning rate in those settings (the training stage's)
    sgd_lr: Lr = 0.05
    steps: Steps = 600
    batch_size: TrainBatch = 64
    dtype: ComputeDtype = "float32"

    def validate(self) -> None:
        if 0.0 not in self.l1:
            raise ValueError("l1: must include 0 (the unpenalised reference)")
