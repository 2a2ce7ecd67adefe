"""The parameters of ``vanishing.studies.backprop``, B8 and B13: back-propagation written out by
hand, against autograd.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from ..config_types import (
    ComputeDtype,
    Depth,
    Depths,
    Grid,
    Lr,
    Seeds,
    Spec,
    Steps,
    TrainBatch,
    Width,
)


@dataclass
class Params:
    # the activations whose derivative DERIV_FROM_OUTPUT reads off the output
    activations: Grid[Literal["tanh", "relu"]] = field(default_factory=lambda: ["tanh", "relu"])
    depths: Depths = field(default_factory=lambda: [1, 2, 4, 8, 16])
    width: Width = 32
    batch_size: TrainBatch = 128
    seeds: Seeds = field(default_factory=lambda: [0, 1, 2])
    # never-fire experiment
    dead_bias: Annotated[float, Spec(ge=-1e6, lt=0, doc="a negative bias")] = -100.0
    dead_layers: Depths = field(default_factory=lambda: [1, 2])
    dead_depth: Depth = 3
    dead_steps: Steps = 200
    dead_lr: Lr = 0.05
    # tanh derivative: points compared and timed, interleaved timing repeats (each a
    # pair: from y and from x; B8's interval is a bootstrap over them), and the dtype
    # of the timed tensors (float32, what networks train in; the exactness check
    # against autograd is always float64)
    timing_numel: Annotated[int, Spec(ge=1000, le=100_000_000)] = 1_000_000
    timing_repeats: Annotated[int, Spec(ge=1, le=1000)] = 30
    timing_dtype: ComputeDtype = "float32"

    def validate(self) -> None:
        if max(self.dead_layers) > self.dead_depth:
            raise ValueError("dead_layers: every layer must be <= dead_depth")
