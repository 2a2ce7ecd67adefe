"""Probe stage: gradient statistics at initialisation over depths × seeds.

One call covers one (activation, init) pair: every depth, all seeds batched
into one ensemble per depth. Every row carries the network's ``status``:
"overflowed" when any of its gradients, δ norms or its loss left the dtype's
finite range (a float32 probe of a deep N(0, 1) net, say), else "finite".
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .activations import get_activation
from .data import digits, probe_batch
from .gradients import layer_stats
from .models import EnsembleMLP
from .runtime import DTYPES, device
from .tables import Tables

log = logging.getLogger("vanishing.probe")


def run_probe(
    activation: str,
    init: str,
    depths: list[int],
    seeds: list[int],
    width: int,
    batch_size: int,
    dtype: str = "float64",
    leaky_slope: float = 0.01,
    device_name: str = "cpu",
) -> pd.DataFrame:
    act = get_activation(activation, leaky_slope)
    data = digits()
    dev = device(device_name)
    x, y = probe_batch(data, batch_size)
    x = x.to(dev, DTYPES[dtype])
    y = y.to(dev)
    frames = []
    for depth in depths:
        model = EnsembleMLP(
            act, init, depth, width, data.n_in, data.n_out, seeds, DTYPES[dtype], dev
        )
        stats = layer_stats(model, x, y)
        stats.insert(0, "depth", depth)
        frames.append(stats)
        log.info("%s/%s depth %d: %d seeds done", activation, init, depth, len(seeds))
    out = pd.concat(frames, ignore_index=True)
    out["status"] = network_status(out)
    out.insert(0, "init", init)
    out.insert(0, "activation", activation)
    return out


def run(params: dict[str, Any], inputs: Tables, outputs: dict[str, Path]) -> None:
    """The probe stage: one activation, every init of the grid, one table."""
    p = params
    frames = [
        run_probe(
            p["activation"],
            init,
            p["depths"],
            p["seeds"],
            p["width"],
            p["batch_size"],
            p["dtype"],
            p["leaky_slope"],
            p["device"],
        )
        for init in p["inits"]
    ]
    pd.concat(frames, ignore_index=True).to_csv(outputs["grid"], index=False)


def network_status(layers: pd.DataFrame) -> pd.Series:
    """Per row: "overflowed" if the row's network has a non-finite gradient, δ norm,
    gradient norm or loss in any layer, else "finite" (the probe does not train, so
    nothing diverges; it can only overflow)."""
    bad = (
        layers["nonfinite"].astype(bool)
        | ~np.isfinite(layers["delta_norm"].astype(float))
        | ~np.isfinite(layers["grad_norm"].astype(float))
        | ~np.isfinite(layers["loss"].astype(float))
    )
    per_net = bad.groupby([layers["depth"], layers["seed"]]).transform("any")
    return per_net.map({True: "overflowed", False: "finite"})
