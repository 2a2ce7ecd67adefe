"""The parameters of ``vanishing.studies.underflow``, C2: whether tiny gradients underflow to
exactly zero in low precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from ..config_types import AnyDtype, Depths, Grid, Inits, Seeds, Spec, TrainBatch, Width


@dataclass
class Params:
    inits: Inits = field(default_factory=lambda: ["normal", "xavier"])
    depths: Depths = field(default_factory=lambda: [2, 5, 10, 20, 30, 40, 50, 75, 100])
    dtypes: Grid[AnyDtype] = field(
        default_factory=lambda: ["float16", "bfloat16", "float32", "float64"]
    )
    seeds: Seeds = field(default_factory=lambda: [0, 1, 2, 3, 4])
    width: Width = 64
    batch_size: TrainBatch = 256
    # sigmoid only: deriv_zero_frac reads the derivative as h(1 − h)
    activation: Annotated[str, Spec(enum=("sigmoid",))] = "sigmoid"

    def validate(self) -> None:
        if "float64" not in self.dtypes:
            raise ValueError("dtypes: must include float64 (the reference)")
