"""The parameters of ``vanishing.studies.equivalence``, A14 and A15: tanh(n·x) against tanh(x), the
same functions and the same training.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from ..config_types import Count, Depth, Grid, InitName, Lr, Seeds, Spec, Steps, TrainBatch, Width

Optimizer = Literal["gd", "sgd", "adam"]
OPTIMIZERS: tuple[Optimizer, ...] = ("gd", "sgd", "adam")

# the n of tanh(n·x): positive; beyond 100 tanh is a step function in float64
ScaleN = Annotated[float, Spec(gt=0, le=100)]


@dataclass
class Params:
    ns: Grid[ScaleN] = field(default_factory=lambda: [1.0, 2.0, 3.0])  # trajectories
    # A14: the function identity is cheap, so also at non-integer scales.
    output_ns: Grid[ScaleN] = field(default_factory=lambda: [0.5, 1.0, 2.0, 2.5, 3.0])
    depth: Depth = 3
    width: Width = 32
    init: InitName = "lecun"  # θ0 of the tanh(n·x) net: a trainable, non-saturated start
    seeds: Seeds = field(default_factory=lambda: [0, 1, 2, 3, 4])
    optimizers: Grid[Optimizer] = field(default_factory=lambda: list(OPTIMIZERS))
    steps: Steps = 200
    batch_size: TrainBatch = 64  # SGD and Adam minibatches
    gd_examples: TrainBatch = 64  # plain GD: the full gradient of this fixed training subset
    # η of the tanh(n·x) net: stable at n = 3, where the u-space step is 9·η.
    lr_gd: Lr = 0.02
    lr_adam: Lr = 1e-3
    record_every: Count = 5  # thinning of trajectories.csv (the summary uses every step)
