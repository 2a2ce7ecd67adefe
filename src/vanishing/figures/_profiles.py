"""Per-layer profiles of a few (activation, init) settings in the probe grid's deepest
networks, summarised over seeds: what the which-gradient (E7) and self-normalisation
(E8) figures draw."""

from __future__ import annotations

import pandas as pd

from ..machinery.labels import label

KEYS = ["activation", "init", "seed"]
# the columns a profile table has, in order
COLUMNS = ["activation", "init", "depth", "quantity", "layer", "median", "lo", "hi"]


def deepest(
    layers: pd.DataFrame, settings: tuple[tuple[str, str], ...]
) -> tuple[int, pd.DataFrame]:
    """(the grid's deepest depth, the rows of ``settings`` at it); networks whose probe
    overflowed are dropped."""
    depth = int(layers["depth"].max())
    d = layers[layers["depth"] == depth]
    if "status" in d:
        d = d[d["status"] == "finite"]
    keep = pd.Series(False, index=d.index)
    for act, init in settings:
        keep |= (d["activation"] == act) & (d["init"] == init)
    return depth, d[keep]


def over_seeds(values: pd.DataFrame, quantity: str, depth: int) -> pd.DataFrame:
    """Median, min and max over seeds of column ``y`` per setting and layer, labelled."""
    agg = (
        values.groupby(["activation", "init", "layer"])["y"]
        .agg(median="median", lo="min", hi="max")
        .reset_index()
    )
    agg.insert(2, "quantity", quantity)
    agg.insert(2, "depth", depth)
    return agg


def setting_label(activation: str, init: str) -> str:
    return f"{label(activation, 'activation')}, {label(init, 'init')}"
