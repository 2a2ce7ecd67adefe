"""Shared readers for the training figures (tables only, never training)."""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd


def hidden_mean(layers: pd.DataFrame, col: str) -> pd.DataFrame:
    h = layers[layers["layer"] <= layers["depth"]]
    keys = ["activation", "init", "depth", "seed", "step"]
    # as_index=False: a frame with the keys as columns (the stubs say a Series)
    return cast(pd.DataFrame, h.groupby(keys, as_index=False)[col].mean())


def finite_loss(df: pd.DataFrame, col: str = "loss") -> pd.DataFrame:
    """Diverged runs (NaN/Inf) are drawn at the top of a log axis, not dropped."""
    out = df.copy()
    top = np.nanmax(out[col].where(np.isfinite(out[col]))) if len(out) else 1.0
    out[col] = out[col].where(np.isfinite(out[col]), top * 2)
    return out
