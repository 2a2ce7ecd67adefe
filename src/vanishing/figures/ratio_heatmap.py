"""log10 of the first-layer over the last-layer weight-gradient norm at
initialisation (median over seeds), activation × depth, one panel per init.

0 means the first layer gets as much gradient as the output layer; −5 means a
hundred-thousand-fold vanishing, +5 the same explosion. Cells where the first
layer's gradient is exactly zero are shown at the colour scale's floor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..tables import Tables
from ._heatmap import draw


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    draw(inputs.table("probe.summary"), "log10_ratio", "log10(‖∂L/∂W₁‖ / ‖∂L/∂W_out‖)", outputs)
