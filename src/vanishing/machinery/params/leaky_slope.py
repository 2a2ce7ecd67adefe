"""The parameters of ``vanishing.studies.leaky_slope``, C8: the negative slope of leaky ReLU, and
the frameworks' defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from ...core.vocabulary import activation_problem
from ..config_types import (
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
    slopes: Grid[Annotated[float, Spec(ge=0, lt=1)]] = field(
        default_factory=lambda: [0.0, 0.01, 0.1, 0.2, 0.3]
    )
    depth: Depth = 8
    width: Width = 64
    init: InitName = "he"
    seeds: Seeds = field(default_factory=lambda: [0, 1, 2, 3, 4])
    optimizer: Optimizer = "sgd"
    lr: Lr = 0.1
    steps: Steps = 600
    batch_size: TrainBatch = 64
    probe_batch: TrainBatch = 256
    dtype: ComputeDtype = "float32"

    def validate(self) -> None:
        for s in self.slopes:
            if activation_problem(activation_name(s)) is not None:
                raise ValueError(
                    f"slopes: {s!r} has no activation name (write 0 or a slope >= 1e-4)"
                )


def activation_name(slope: float) -> str:
    return "relu" if slope == 0 else f"leaky_relu{slope:g}"
