"""log10 of the first-layer over the last-layer weight-gradient norm at initialisation:
median over seeds per activation (rows) and depth (columns), one panel per init. Each
cell prints the value in decades; −∞ means the first layer's gradient was exactly zero.
0 means the first layer gets as much gradient as the output layer; −5 a
hundred-thousand-fold vanishing, +5 the same explosion. Xavier and LeCun give every
square hidden layer the same variance, 1/width, so their panels nearly coincide.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..tables import Tables
from ._heatmap import draw


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    draw(inputs.table("probe.summary"), "log10_ratio", "log10(‖∂L/∂W₁‖ / ‖∂L/∂W_out‖)", outputs)
