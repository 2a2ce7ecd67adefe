"""Probe stage: gradient statistics at initialisation over depths × seeds.

One call covers one (activation, init) pair: every depth, all seeds batched
into one ensemble per depth.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

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
