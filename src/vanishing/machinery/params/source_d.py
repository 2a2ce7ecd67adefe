"""The parameters of ``vanishing.studies.source_d``, D3-D6: source D's 4-hidden-layer sigmoid net
with N(0, 1) weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from ..config_types import (
    ComputeDtype,
    Depth,
    Depths,
    Grid,
    Inits,
    Lr,
    Seeds,
    Spec,
    Steps,
    TrainBatch,
    Width,
    Widths,
)

# Our stand-ins for the tutorial's unpublished training settings: a common minibatch
# size of the TensorFlow MNIST tutorials of the time, and a plain-SGD step that
# lowers the loss of this saturated sigmoid net within a few hundred steps without
# diverging (the output layer's gradients are O(0.1)).
BATCH_SIZE = 128
LEARNING_RATE = 0.1

INPUTS = ("standardised", "unit", "mnist_like")
InputName = Annotated[str, Spec(enum=INPUTS, doc="an input scaling")]


@dataclass
class Params:
    depth: Depth = 4  # hidden layers, as in the tutorial
    # Hidden width: the tutorial's is unknown; 64 matches the rest of the project.
    width: Width = 64
    inits: Inits = field(default_factory=lambda: ["normal", "truncated_normal"])
    seeds: Seeds = field(default_factory=lambda: list(range(10)))
    steps: Steps = 500  # SGD steps between the two histogram snapshots (~47 epochs)
    # evenly spaced steps where per-layer statistics are taken
    checkpoints: Annotated[int, Spec(ge=1, le=10_000)] = 20
    batch_size: TrainBatch = BATCH_SIZE
    lr: Lr = LEARNING_RATE
    inputs: InputName = "standardised"  # digits as the project uses them (see INPUTS)
    bins: Annotated[int, Spec(ge=2, le=10_000)] = 81  # histogram bins per (init, layer) panel
    dtype: ComputeDtype = "float32"  # TensorFlow's default, as in the tutorial
    # Step-0 only: how the ±0.025 tail depends on the data's scale and the width.
    variant_inputs: Grid[InputName] = field(default_factory=lambda: list(INPUTS))
    variant_widths: Widths = field(default_factory=lambda: [16, 64, 256])
    # D5's remedies at step 0: the tutorial's depth first (4), then deeper nets, where a
    # remedy has more to fix (generalisation).
    remedy_depths: Depths = field(default_factory=lambda: [4, 16, 50])
    # float64, as the probe: at depth 50 an unchanged N(0, 1) ReLU net's activations reach
    # 1e37, so float32 would record an overflow where there is a measurable ratio.
    remedy_dtype: ComputeDtype = "float64"
