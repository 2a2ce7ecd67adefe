"""Mean-field phase diagram of the ReLU family (ReLU, leaky ReLU, PReLU at its initial slope,
NecroReLU): the measured per-layer slope of ln‖δ‖ towards the input (median over seeds, deepest
depth; blue vanishes, red explodes) over weight variance σ_w² and bias variance σ_b², with the
theory's critical line χ1 = 1 (solid) and the measured level set, slope = 0, at the deepest
(dashed) and shallowest (dotted) depth.

Networks have Gaussian inputs, weights N(0, σ_w²/fan_in) and biases N(0, σ_b²) in every
layer, float64. For piecewise-linear φ, χ1 = σ_w²·E[φ'²] does not depend on the variance q, so
the line is vertical: σ_w² = 2/(1 + a²) for backward slope a (2 for ReLU, 1.88 for PReLU's
0.25, 1.98 for NecroReLU's 0.1), whatever σ_b² is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._phase import Tables, draw


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    draw(inputs, outputs, "relu_family")
