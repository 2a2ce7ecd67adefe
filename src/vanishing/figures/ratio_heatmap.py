"""Which pairings of activation and init starve the first layer of weight gradient (blue)
or flood it (red) relative to the output layer; compare with the back-propagated error's
heat map, which can vanish where this one does not (see the which-gradient figure). Per
panel (one per init): log10 of the first-layer over the last-layer weight-gradient norm at
initialisation, median over seeds per activation (rows) and depth (columns); each cell
prints the value in decades (0: as much gradient as the output layer; −5: a
hundred-thousand-fold vanishing), −∞ where the first layer's gradient was exactly zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..machinery.tables import Tables
from ._heatmap import draw


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    draw(inputs.table("probe.summary"), "log10_ratio", "log10(‖∂L/∂W₁‖ / ‖∂L/∂W_out‖)", outputs)
