"""Whether the back-propagated error vanishes or explodes depends on the pairing of
activation and init, not on the activation alone: most activations explode (red) under
N(0, 1) and vanish (blue) under the uniform init, sigmoid vanishes under every init, and
a matched init keeps the error near level. Per panel (one per init): log10 of the error
at the first hidden layer over that at the output, ‖δ₁‖ / ‖δ_out‖, at initialisation,
median over seeds per activation (rows) and depth (columns); each cell prints the value
in decades, −∞ where δ₁ was exactly zero.

Unlike the weight-gradient ratio, this leaves out the forward activations: in ReLU-like
and linear networks a badly scaled init shrinks the forward signal and the backward error
together, so their weight-gradient ratio looks level while δ has vanished (or exploded).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..machinery.tables import Tables
from ._heatmap import draw


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    draw(inputs.table("probe.summary"), "log10_delta_ratio", "log10(‖δ₁‖ / ‖δ_out‖)", outputs)
