"""For the sigmoidal activations the measured boundary between vanishing and exploding
gradients follows mean-field theory's critical line χ1 = 1 where there is bias noise and
sits off it at zero bias variance (E6 says by how much), and plain sigmoid vanishes
everywhere on the grid. Heat map: the measured per-layer slope of
ln‖δ‖ towards the input (median over seeds, deepest depth; blue vanishes, red explodes)
over weight variance σ_w² and bias variance σ_b²; grey band: the theory's line; black
dashed and dotted: the measured level set, slope = 0, at the deepest and shallowest depth.

Networks have Gaussian inputs, weights N(0, σ_w²/fan_in) and biases N(0, σ_b²) in every
layer, float64. Sigmoid's line lies near σ_w² ≈ 10², off the grid: all of its panel vanishes.
At σ_b² = 0 the odd functions' fixed point is q* = 0, approached only as a power law, so at
finite depth the measured level set sits to the right of the line (for tanh at σ_w² ≈ 1.4, not
1); with any bias it follows it. The line leaves σ_b² = 0 almost flat, so in the plane the two
look closer there than they are along σ_w², which is the distance claim E6 tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._phase import Tables, draw


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    draw(inputs, outputs, "sigmoidal")
