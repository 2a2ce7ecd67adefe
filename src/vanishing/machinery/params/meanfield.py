"""The parameters of ``vanishing.studies.meanfield``, E1 and E4: mean-field χ1 against the probe
grid, orthogonal against Gaussian init.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from ..config_types import (
    MAX_DEPTH,
    Activations,
    Grid,
    Inits,
    QuadPoints,
    Seeds,
    SetByRule,
    Spec,
    TrainBatch,
    Width,
)


@dataclass
class Params:
    # The probe grid (the rule passes the config's lists; these defaults match config.yaml).
    activations: Annotated[list[str], SetByRule("activations")] = field(
        default_factory=lambda: ["tanh", "relu"]
    )
    inits: Annotated[list[str], SetByRule("inits")] = field(default_factory=lambda: ["lecun", "he"])
    width: Annotated[int, SetByRule("width")] = 64
    leaky_slope: Annotated[float, SetByRule("leaky_slope")] = 0.01
    batch_size: Annotated[int, SetByRule("probe.batch_size")] = 256
    # Quadrature: trapezoid points on z in [-12, 12]; Gauss-Hermite order for the cross-check.
    trapezoid_points: QuadPoints = 4_001
    quad_order: Annotated[int, Spec(ge=10, le=1000)] = 100
    q_iters: Annotated[int, Spec(ge=10, le=100_000)] = 500
    # E4 sweep.
    e4_activations: Activations = field(default_factory=lambda: ["linear", "tanh"])
    e4_inits: Inits = field(default_factory=lambda: ["orthogonal", "lecun"])
    # depth >= 2: the Jacobian spans depth - 1 layers
    e4_depths: Grid[Annotated[int, Spec(ge=2, le=MAX_DEPTH)]] = field(
        default_factory=lambda: [2, 4, 8, 16, 32, 64, 128]
    )
    e4_seeds: Seeds = field(default_factory=lambda: list(range(10)))
    # 64 = the digits' input dimension: a square orthogonal first layer preserves ‖x‖, so
    # the linear net's first/last ratio is exactly depth-independent (not so when narrower).
    e4_width: Width = 64
    # inputs at which the (input-dependent, for tanh) Jacobian is taken
    e4_examples: TrainBatch = 4
