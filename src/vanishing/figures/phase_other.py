"""Mean-field phase diagram of ELU, softplus, |x| and linear: the measured per-layer slope of
ln‖δ‖ towards the input (median over seeds, deepest depth; blue vanishes, red explodes) over
weight variance σ_w² and bias variance σ_b², with the theory's critical line χ1 = 1 (solid) and
the measured level set, slope = 0, at the deepest (dashed) and shallowest (dotted) depth.

Networks have Gaussian inputs, weights N(0, σ_w²/fan_in) and biases N(0, σ_b²) in every
layer, float64. |x| and linear have |φ'| = 1, so the line is σ_w² = 1. Softplus's line is
σ_w² = 2 reached only as q* → ∞, and ELU's leaves σ_w² = 1 at σ_b² = 0 through q* → 0: both
limits are approached slowly, so there the finite-depth level set lies off the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._phase import Tables, draw


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    draw(inputs, outputs, "other")
