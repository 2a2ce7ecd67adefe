"""Per-network summaries of the probe tables (one row per activation × init × depth × seed)."""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

import numpy as np
import pandas as pd

from ..core.mean_field import backward_slope
from ..machinery.tables import Tables

KEYS = ["activation", "init", "depth", "seed"]


def _safe_log10(x: float) -> float:
    """log10 with 0 → −inf (an honest "vanished to nothing") and NaN for 0/0."""
    if np.isnan(x):
        return float("nan")
    return float(np.log10(x)) if x > 0 else float("-inf")


def summarise_network(g: pd.DataFrame) -> pd.Series:
    g = g.sort_values("layer")
    first, last = g.iloc[0], g.iloc[-1]
    hidden = g[g["hidden"]]
    with np.errstate(divide="ignore", invalid="ignore"):
        # numpy division: 0/0 is NaN (all-zero init), x/0 is inf, not an exception
        ratio = np.float64(first["grad_norm"]) / np.float64(last["grad_norm"])
    with np.errstate(divide="ignore", invalid="ignore"):
        # δ at the first hidden layer over δ at the logits: the back-propagated
        # error itself, without the forward activations that weight gradients carry.
        delta_ratio = np.float64(first["delta_norm"]) / np.float64(last["delta_norm"])
    return pd.Series(
        {
            "grad_first": first["grad_norm"],
            "grad_last": last["grad_norm"],
            "log10_ratio": _safe_log10(ratio),
            "log10_delta_ratio": _safe_log10(delta_ratio),
            "slope_ln_delta": backward_slope(
                hidden["layer"].to_numpy(), hidden["delta_norm"].to_numpy(dtype=float)
            ),
            "dead_frac": hidden["dead_frac"].mean(),
            "zero_frac": hidden["zero_frac"].mean(),
            "frac_inside_t1": hidden["frac_inside_t1"].mean(),
            "frac_inside_explode": hidden["frac_inside_explode"].mean(),
            "nonfinite": bool(g["nonfinite"].any()),
            # the probe's own per-network status; tables from before it existed have none
            "status": g["status"].iloc[0] if "status" in g else "finite",
            "loss": first["loss"],
        }
    )


def summarise_probe(frames: list[pd.DataFrame]) -> pd.DataFrame:
    df = pd.concat(frames, ignore_index=True)
    groups = df.groupby(KEYS, sort=True)
    out = groups.apply(summarise_network, include_groups=False)  # type: ignore[call-overload]  # pandas 2.3 kwarg; stubs are 3.x
    return out.reset_index()


def per_layer(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Per-layer gradient norms of every network (the profile figures' input): ‖∂L/∂W‖,
    ‖δ‖, and ‖W‖ with ‖∂L/∂W‖/‖W‖ (which of them vanishes, figure which_gradient), and
    the mean and variance of each hidden layer's activations (self-normalisation, E8)."""
    cols = [*KEYS, "layer", "hidden", "grad_norm", "delta_norm", "dead_frac", "frac_inside_t1"]
    # columns that probe tables written before them lack
    for extra in ("weight_norm", "rel_grad", "act_mean", "act_var", "status"):
        cols += [extra] if all(extra in f for f in frames) else []
    return pd.concat([f[cols] for f in frames], ignore_index=True)


class SummaryParams(TypedDict):
    """The summary stage takes no parameters: it reads the probe's tables only."""


def run(p: SummaryParams, inputs: Tables, outputs: dict[str, Path]) -> None:
    """The probe's summary stage: one row per network, and per-layer medians."""
    frames = [pd.read_csv(path) for path in inputs.paths("probe.grid")]
    summarise_probe(frames).to_csv(outputs["summary"], index=False)
    per_layer(frames).to_csv(outputs["layers"], index=False)
