"""The parameters of ``vanishing.studies.dying``, B12 and E5: networks that are dead from the
start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from ..config_types import (
    Activations,
    Depth,
    Depths,
    InitName,
    Lr,
    Seed,
    Seeds,
    Spec,
    Steps,
    Width,
    Widths,
)


@dataclass
class Params:
    # zero-init run
    zero_activations: Activations = field(default_factory=lambda: ["relu", "tanh", "sigmoid"])
    zero_depth: Depth = 4
    zero_width: Width = 32
    zero_steps: Steps = 100
    zero_lr: Lr = 0.1
    zero_seeds: Seeds = field(default_factory=lambda: [0, 1])
    # born-dead run
    widths: Widths = field(default_factory=lambda: [2, 3, 4])
    depths: Depths = field(default_factory=lambda: [1, 2, 5, 10, 20, 30, 50, 75, 100])
    # a share needs at least 2 networks
    n_seeds: Annotated[int, Spec(ge=2, le=1_000_000)] = 1000
    # zero biases make the net positively homogeneous: only input directions matter,
    # and 256 Gaussian directions gave the same fractions as 1000 (±0.005)
    n_inputs: Annotated[int, Spec(ge=2, le=1_000_000)] = 256
    n_in: Width = 2
    init: InitName = "he"
    input_seed: Seed = 12345
