"""The parameters of ``vanishing.studies.width``, E9: finite-width fluctuations of ReLU gradients
at He init against β = Σ 1/n_l (Hanin 2018; Hanin & Nica 2019).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from ..config_types import ComputeDtype, Depths, Seeds, SetByRule, Spec, TrainBatch, Width


@dataclass
class Params:
    # The job's one hidden width: the rule runs one job per entry of the top-level ``widths``
    # (job "w<n>"), so the costliest width is a job of its own.
    width: Annotated[Width, SetByRule("widths: the job's width")] = 64
    device: Annotated[Literal["cpu", "cuda"], SetByRule("device")] = "cpu"
    # Depths (hidden layers): with widths 16…1024 they put β = depth/width on 1/200 … 6, and
    # 25/16 vs 100/64, 25/64 vs 100/256, 25/256 vs 100/1024 share β (the collapse pairs).
    depths: Depths = field(default_factory=lambda: [5, 10, 25, 50, 100])
    # Seeds: the variance is over them and the check bootstraps over them (40 seeds put the
    # relative standard error of a variance near √(2/39) ≈ 0.23).
    seeds: Seeds = field(default_factory=lambda: list(range(40)))
    # Digits inputs per network (probe_batch): the inputs share the weights, so the noise that
    # matters is over seeds; a few inputs average the per-input variances.
    examples: TrainBatch = 8
    # float32 suffices: ‖δ₁‖² is log-normal with ln-spread √(5β) ≲ 6 here, e^±40 at most,
    # inside float32's e^±87 (the sums of squares are taken in float64).
    dtype: ComputeDtype = "float32"
    # Weight memory per chunk of seeds, MB: width 1024 × depth 100 is 400 MB a seed in
    # float32, so that width runs a seed or two at a time and its job stays under 2 GB.
    chunk_mb: Annotated[int, Spec(ge=1, le=100_000)] = 600

    def validate(self) -> None:
        if len(self.seeds) < 3 or len(set(self.seeds)) != len(self.seeds):
            raise ValueError("seeds: need >= 3 distinct seeds (a variance over them, bootstrapped)")
        if not self.depths or len(set(self.depths)) != len(self.depths):
            raise ValueError("depths: need distinct depths")
        if self.width < 1:
            raise ValueError("width: need >= 1")
