"""The parameters of ``vanishing.studies.minibatch``, A16: how much mini-batch randomness alone
moves a training result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, TypedDict

from ..config_types import (
    MAX_SEEDS,
    ActivationName,
    ComputeDtype,
    Depth,
    InitName,
    Lr,
    Seed,
    Spec,
    Steps,
    TrainBatch,
    Width,
)


def _default_settings() -> list[Setting]:
    # A shallow and a deep net of the two families the training grid compares.
    return [
        {"activation": "relu", "init": "he", "depth": 4},
        {"activation": "relu", "init": "he", "depth": 16},
        {"activation": "tanh", "init": "xavier", "depth": 4},
        {"activation": "tanh", "init": "xavier", "depth": 16},
    ]


class Setting(TypedDict):
    """One trained configuration: activation, init, depth."""

    activation: ActivationName
    init: InitName
    depth: Depth


@dataclass
class Params:
    settings: Annotated[list[Setting], Spec(min_items=1, max_items=100, unique=True)] = field(
        default_factory=_default_settings
    )
    # Batch-order seeds (runs of one setting); the weight seed is fixed at init_seed.
    # At least two batch orders are needed to see a spread.
    orders: Annotated[list[Seed], Spec(min_items=2, max_items=MAX_SEEDS, unique=True)] = field(
        default_factory=lambda: list(range(10))
    )
    init_seed: Seed = 0
    width: Width = 64
    # the training grid's optimiser, rate and batch size, for fewer steps
    steps: Steps = 200
    lr: Lr = 0.05
    batch_size: TrainBatch = 32
    dtype: ComputeDtype = "float32"
