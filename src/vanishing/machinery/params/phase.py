"""The parameters of ``vanishing.studies.phase``, E6: the mean-field phase diagram of every
activation, measured against predicted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

import numpy as np

from ..config_types import (
    Activations,
    Depths,
    Positive,
    QuadPoints,
    Seeds,
    Slope,
    Spec,
    Width,
    check_activations,
)

DEFAULT_ACTIVATIONS = [
    "sigmoid",
    "tanh",
    "tanh_n0.5",
    "tanh_n2",
    "tanh_n3",
    "lecun_tanh",
    "relu",
    "leaky_relu",
    "prelu",
    "elu",
    "softplus",
    "abs",
    "linear",
    "necro_relu",
]


@dataclass
class Params:
    # The activations of the probe grid (the stage passes config['activations']).
    activations: Activations = field(default_factory=lambda: list(DEFAULT_ACTIVATIONS))
    leaky_slope: Slope = 0.01
    # σ_w² in half-octave steps from 1/16 to 8: wide enough that the critical line at
    # σ_b² = 0 is on the grid for every activation but sigmoid (tanh(3x): 1/9 ≈ 0.11 is just
    # off it, tanh(x/2): 4; sigmoid's is near 10², its panel is all vanishing).
    sigma_w2: Annotated[list[Positive], Spec(min_items=3, max_items=200, unique=True)] = field(
        default_factory=lambda: [2.0 ** (k / 2) for k in range(-8, 7)]
    )
    # σ_b² from 0 (the probe grid's zero biases) to 0.5, where Poole et al.'s tanh diagram
    # has already bent the line well away from σ_w² = 1.
    sigma_b2: Annotated[
        list[Annotated[float, Spec(ge=0, le=1e6)]], Spec(min_items=1, max_items=200, unique=True)
    ] = field(default_factory=lambda: [0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
    # Two depths: the deeper decides (finite-depth transients shrink like 1/depth), the
    # shallower shows the level set moving towards the line.
    depths: Depths = field(default_factory=lambda: [16, 32])
    # Seeds: the check bootstraps over them.
    seeds: Seeds = field(default_factory=lambda: list(range(8)))
    width: Width = 64
    # Examples per network: ‖δ‖ is taken over batch × width numbers; the noise that matters
    # comes from the weights, which the batch shares, so a small batch suffices.
    batch_size: Annotated[int, Spec(ge=1, le=4096)] = 8
    # Quadrature points, as in the mean-field study.
    trapezoid_points: QuadPoints = 4_001
    # σ_b² values of the critical line: this many over the grid's σ_b² range (denser near
    # 0, where the line is steep), plus the grid's own values (the check compares on those).
    line_points: Annotated[int, Spec(ge=2, le=10_000)] = 26

    def validate(self) -> None:
        check_activations(self.activations)
        w = np.asarray(self.sigma_w2, dtype=float)
        if len(w) < 3 or np.any(w <= 0) or np.any(np.diff(w) <= 0):
            raise ValueError("sigma_w2: need >= 3 positive values in increasing order")
        b = np.asarray(self.sigma_b2, dtype=float)
        if len(b) < 1 or np.any(b < 0) or np.any(np.diff(b) <= 0):
            raise ValueError("sigma_b2: need >= 1 value >= 0, in increasing order")
        if not self.depths or min(self.depths) < 3:
            raise ValueError("depths: need depths >= 3 (a slope over >= 3 hidden layers)")
        if len(set(self.depths)) != len(self.depths):
            raise ValueError("depths: repeated depth")
        if len(self.seeds) < 2 or len(set(self.seeds)) != len(self.seeds):
            raise ValueError("seeds: need >= 2 distinct seeds (the check bootstraps over them)")
        if self.width < 2:
            raise ValueError("width: need >= 2")
        if self.batch_size < 1:
            raise ValueError("batch_size: need >= 1")
        if self.trapezoid_points < 1001:
            raise ValueError("trapezoid_points: need >= 1001")
        if self.line_points < 2:
            raise ValueError("line_points: need >= 2")
