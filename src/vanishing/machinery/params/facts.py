"""The parameters of ``vanishing.studies.facts``, C4, C6, C7, B11: small numerical facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from ..config_types import Depth, Depths, InitName, Seed, Seeds, Spec, TrainBatch, Width


@dataclass
class Params:
    # a share to ~3 decimals needs >= 1000 draws
    n_samples: Annotated[int, Spec(ge=1000, le=100_000_000)] = 1_000_000
    sample_seed: Seed = 2024
    # C4 network
    sig_width: Width = 64
    sig_depth: Depth = 2
    sig_seeds: Seeds = field(default_factory=lambda: list(range(10)))
    sig_batch: TrainBatch = 256
    # B11 linear nets: width < n_in, n_out so the rank bound is visible
    lin_depths: Depths = field(default_factory=lambda: [1, 2, 8, 32])
    lin_width: Width = 8
    lin_n_in: Width = 16
    lin_n_out: Width = 16
    lin_init: InitName = "xavier"
    lin_seeds: Seeds = field(default_factory=lambda: [0, 1, 2, 3, 4])
