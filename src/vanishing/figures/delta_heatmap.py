"""log10 of the back-propagated error at the first hidden layer over that at the output,
‖δ₁‖ / ‖δ_out‖, at initialisation: median over seeds per activation (rows) and depth
(columns), one panel per init. Each cell prints the value in decades; −∞ means δ₁ was
exactly zero. Blue vanishes, red explodes. Xavier and LeCun give every square hidden layer
the same variance, 1/width, and differ only in the first and last layers (and uniform
against normal draws), so their panels nearly coincide.

Unlike the weight-gradient ratio, this leaves out the forward activations: in ReLU-like
and linear networks a badly scaled init shrinks the forward signal and the backward error
together, so their weight-gradient ratio looks level while δ has vanished (or exploded).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..tables import Tables
from ._heatmap import draw


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    draw(inputs.table("probe.summary"), "log10_delta_ratio", "log10(‖δ₁‖ / ‖δ_out‖)", outputs)
