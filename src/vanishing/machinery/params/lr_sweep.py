"""The parameters of ``vanishing.studies.lr_sweep``, C1: one configuration, many learning rates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from ..config_types import (
    MAX_SEEDS,
    ActivationName,
    ComputeDtype,
    Count,
    Depth,
    InitName,
    Lr,
    Optimizer,
    Seeds,
    Spec,
    Steps,
    TrainBatch,
    Width,
)

# 10^(k/2) for k = -6..-1, then 10^(k/24) for k = -6..3 (4 significant digits)
DEFAULT_LRS = (
    *(float(f"{10 ** (k / 2):.4g}") for k in range(-6, 0)),
    *(float(f"{10 ** (k / 24):.4g}") for k in range(-6, 4)),
)


@dataclass
class Params:
    # At least 3 distinct rates: one small, the best, one large. The default is
    # log-spaced: every half decade from 1e-3 to 10^-0.5 (the slow side, where the loss
    # falls steadily with α), then every 24th of a decade from 10^-0.25 to 10^0.125,
    # where this net's runs go from converging to diverging: in a pilot with 10 seeds
    # the best final loss fell near α ≈ 0.6, some seeds diverged from α ≈ 0.7 and
    # most from α ≈ 0.9, so several rates lie between the best one and the first
    # diverging one (C1's "large α converges fast but imprecisely" is decided there).
    lrs: Annotated[list[Lr], Spec(min_items=3, max_items=MAX_SEEDS, unique=True)] = field(
        default_factory=lambda: list(DEFAULT_LRS)
    )
    activation: ActivationName = "relu"
    init: InitName = "he"
    depth: Depth = 4
    width: Width = 64
    # 10: C1's intervals are bootstraps over seeds, and near the edge of stability a
    # few seeds diverge, which a median over 5 could not absorb
    seeds: Seeds = field(default_factory=lambda: list(range(10)))
    optimizer: Optimizer = "sgd"
    steps: Steps = 600
    batch_size: TrainBatch = 64
    eval_every: Count = 20
    dtype: ComputeDtype = "float32"

    def validate(self) -> None:
        if self.steps < self.eval_every:
            raise ValueError(f"eval_every: must be <= steps ({self.steps})")
