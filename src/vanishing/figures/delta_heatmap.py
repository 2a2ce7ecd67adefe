"""log10 of the back-propagated error at the first hidden layer over that at
the output, ‖δ₁‖ / ‖δ_out‖, at initialisation (median over seeds), activation ×
depth, one panel per init.

Unlike the weight-gradient ratio, this leaves out the forward activations: in
ReLU-like and linear networks a badly scaled init shrinks the forward signal and
the backward error together, so their weight-gradient ratio looks level while δ
has vanished (or exploded). Cells where δ₁ is exactly zero sit at the floor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..tables import Tables
from ._heatmap import draw


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    draw(inputs.table("probe.summary"), "log10_delta_ratio", "log10(‖δ₁‖ / ‖δ_out‖)", outputs)
