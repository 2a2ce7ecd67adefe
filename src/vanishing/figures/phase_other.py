"""For ELU, SELU, softplus, |x| and linear the measured boundary between vanishing and
exploding gradients lies on mean-field theory's critical line χ1 = 1, except where the
theory's limit is approached only slowly; for GELU, SiLU and Mish the theory finds no
critical point at small σ_b² (no grey band there), while the measured boundary (black
lines) is found there as for the others. Heat map: the measured per-layer slope of ln‖δ‖
towards the input (median over seeds, deepest depth; blue vanishes, red explodes) over
weight variance σ_w² and bias variance σ_b²; grey band: the theory's line; black dashed
and dotted: the measured level set, slope = 0, at the deepest and shallowest depth.

Networks have Gaussian inputs, weights N(0, σ_w²/fan_in) and biases N(0, σ_b²) in every
layer, float64. |x| and linear have |φ'| = 1, so the line is σ_w² = 1. Softplus's line is
σ_w² = 2 reached only as q* → ∞, and ELU's and SELU's leave the σ_b² = 0 axis through
q* → 0: these limits are approached slowly, so there the finite-depth level set lies off
the line. GELU, SiLU and Mish are not monotone and have φ'(0) = 1/2; at small σ_b² the
theory's search over σ_w² finds no point where χ1 = 1 at the fixed point q*.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._phase import Tables, draw


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    draw(inputs, outputs, "other")
