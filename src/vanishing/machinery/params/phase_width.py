"""The parameters of ``vanishing.studies.phase_width``: E6's phase grid near the critical line
χ1 = 1, measured at every width of the config's width axis (E6 and E1 against width).

The networks, draws and slopes are the phase study's (its depths, seeds, batch and
quadrature are filled in from ``studies.phase``), so at the phase study's own width a cell
of this grid has the slope the phase grid has at the same (σ_w², σ_b²).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from ..config_types import (
    Activations,
    Depths,
    Seeds,
    SetByRule,
    Slope,
    Spec,
    Width,
    check_activations,
)

# tanh: the σ_b² = 0 miss E6 reports (q* → 0 as a power law); softsign: the largest such
# miss among the odd sigmoidal activations; ELU: the same q* → 0 miss for an activation that
# is not odd; ReLU: the control, whose line σ_w² = 2 does not depend on q (no finite-depth
# transient), so any deviation it shows is a finite-width effect. GELU, SiLU and Mish miss
# too, but where the theory has no crossing at all (no line to centre a grid on); tanh(n·x)
# at σ_b² = 0 is tanh with σ_w² scaled by n², and SELU is ELU scaled, so they add nothing.
DEFAULT_ACTIVATIONS = ["tanh", "softsign", "elu", "relu"]


@dataclass
class Params:
    activations: Activations = field(default_factory=lambda: list(DEFAULT_ACTIVATIONS))
    # σ_b² = 0, where E6's misses are, and one row with q* > 0, where E6 holds.
    sigma_b2: Annotated[
        list[Annotated[float, Spec(ge=0, le=1e6)]], Spec(min_items=1, max_items=20, unique=True)
    ] = field(default_factory=lambda: [0.0, 0.3])
    # The σ_w² of a row: the predicted critical σ_w² times e^offset, offsets evenly spaced
    # from offset_min to offset_max in ln σ_w². Step 1/8 (a quarter of the phase grid's
    # half-octave step), so a deviation well below E6's tolerance ln 1.25 is resolved; the
    # range leans up because a finite-depth (q not yet at q* → 0) and a finite-width (the
    # mean of ln‖δ‖ below ln of its mean) correction both move the level set to larger σ_w².
    offset_min: Annotated[float, Spec(ge=-5, le=0)] = -0.5
    offset_max: Annotated[float, Spec(gt=0, le=5)] = 2.0
    points: Annotated[int, Spec(ge=3, le=200)] = 21
    # Filled by the rule: the width axis, the job's width, and the phase study's grid.
    widths: Annotated[list[int], SetByRule("widths")] = field(
        default_factory=lambda: [16, 64, 256, 1024]
    )
    job: Annotated[str, SetByRule("the rule's job: w<width>")] = "w64"
    depths: Annotated[Depths, SetByRule("studies.phase.depths")] = field(
        default_factory=lambda: [16, 32]
    )
    seeds: Annotated[Seeds, SetByRule("studies.phase.seeds")] = field(
        default_factory=lambda: list(range(8))
    )
    reference_width: Annotated[Width, SetByRule("studies.phase.width")] = 64
    batch_size: Annotated[int, SetByRule("studies.phase.batch_size")] = 8
    leaky_slope: Annotated[Slope, SetByRule("leaky_slope")] = 0.01
    trapezoid_points: Annotated[int, SetByRule("studies.phase.trapezoid_points")] = 4_001
    # The wide jobs' products are where a GPU pays: the stage honours the config's device.
    device: Annotated[Literal["cpu", "cuda"], SetByRule("device")] = "cpu"

    @property
    def width(self) -> int:
        """The job's width: job "w256" measures width 256."""
        return int(self.job.removeprefix("w"))

    def batch_at(self, width: int) -> int:
        """Examples per network at ``width``: ‖δ‖ is taken over batch × width numbers, so the
        batch shrinks as the width grows, keeping at least the phase grid's batch × width
        numbers (ceil), down to 1 example: a wide net's ‖δ‖ already averages over its units,
        and the batch is the cost factor of the (cells × batch) × width² products."""
        return max(1, -(-self.batch_size * self.reference_width // width))

    def validate(self) -> None:
        check_activations(self.activations)
        if sorted(set(self.sigma_b2)) != list(self.sigma_b2) or min(self.sigma_b2) < 0:
            raise ValueError("sigma_b2: need values >= 0, in increasing order")
        if not self.offset_min < 0 < self.offset_max:
            raise ValueError("offset_min < 0 < offset_max: the grid must bracket the line")
        if self.points < 3:
            raise ValueError("points: need >= 3")
        if not self.job.startswith("w") or not self.job[1:].isdigit():
            raise ValueError(f"job: expected w<width>, got {self.job!r}")
        if self.width < 2:
            raise ValueError("width: need >= 2")
        if not self.depths or min(self.depths) < 3:
            raise ValueError("depths: need depths >= 3 (a slope over >= 3 hidden layers)")
        if len(self.seeds) < 2 or len(set(self.seeds)) != len(self.seeds):
            raise ValueError("seeds: need >= 2 distinct seeds (the check bootstraps over them)")
