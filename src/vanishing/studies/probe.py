"""Probe stage: gradient statistics at initialisation over depths × seeds.

One job covers one activation: for every depth, the networks of every init and
seed run as one batched ensemble (``run_probe_inits``); each init's rows are
exactly what an ensemble of that init's seeds alone gives, because a batched
product treats each network separately (tests/test_probe.py checks it). One
ensemble per depth rather than one per init × depth means eight times fewer,
larger operations: at width 64 the small ones were mostly per-op overhead.
Every row carries the network's ``status``:
"overflowed" when any of its gradients, δ norms or its loss left the dtype's
finite range (a float32 probe of a deep N(0, 1) net, say), else "finite".
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal, TypedDict

import numpy as np
import pandas as pd

from ..core.activations import get_activation
from ..core.data import digits, probe_batch
from ..core.gradients import layer_stats
from ..core.models import EnsembleMLP
from ..core.runtime import DTYPES, device, release_freed_memory
from ..machinery.tables import Tables

log = logging.getLogger("vanishing.studies.probe")


def run_probe_inits(
    activation: str,
    inits: list[str],
    depths: list[int],
    seeds: list[int],
    width: int,
    batch_size: int,
    dtype: str = "float64",
    leaky_slope: float = 0.01,
    device_name: str = "cpu",
) -> dict[str, pd.DataFrame]:
    """The probe table of every init (init → table), all inits batched per depth."""
    act = get_activation(activation, leaky_slope)
    data = digits()
    dev = device(device_name)
    x, y = probe_batch(data, batch_size)
    x = x.to(dev, DTYPES[dtype])
    y = y.to(dev)
    frames: dict[str, list[pd.DataFrame]] = {init: [] for init in inits}
    s = len(seeds)
    for depth in depths:
        model = EnsembleMLP(
            act, inits, depth, width, data.n_in, data.n_out, seeds, DTYPES[dtype], dev
        )
        stats = layer_stats(model, x, y)
        del model
        # Each depth's ensemble leaves a heap fragmented by its large tensors; hand it
        # back so the next depth (and the job's peak) starts from what is live.
        release_freed_memory()
        # Rows are layer-major, then network; network k belongs to init k // s.
        member = np.arange(len(stats)) % (s * len(inits)) // s
        for j, init in enumerate(inits):
            part = stats[member == j].reset_index(drop=True)
            part.insert(0, "depth", depth)
            frames[init].append(part)
        log.info("%s depth %d: %d inits × %d seeds done", activation, depth, len(inits), s)
    out = {}
    for init in inits:
        df = pd.concat(frames[init], ignore_index=True)
        df["status"] = network_status(df)
        df.insert(0, "init", init)
        df.insert(0, "activation", activation)
        out[init] = df
    return out


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
    """One (activation, init) pair: every depth, all seeds batched per depth."""
    return run_probe_inits(
        activation, [init], depths, seeds, width, batch_size, dtype, leaky_slope, device_name
    )[init]


class ProbeParams(TypedDict):
    """The probe stage's parameters (pipeline's ``_probe_params``): the config's grid,
    this job's activations, and the config's ``probe`` batch and dtype."""

    activations: list[str]
    inits: list[str]
    depths: list[int]
    seeds: list[int]
    width: int
    leaky_slope: float
    device: Literal["cpu", "cuda"]
    batch_size: int
    dtype: Literal["float32", "float64"]


def run(p: ProbeParams, inputs: Tables, outputs: dict[str, Path]) -> None:
    """The probe stage: a few activations, every init of the grid, one table."""
    frames = []
    for activation in p["activations"]:
        tables = run_probe_inits(
            activation,
            p["inits"],
            p["depths"],
            p["seeds"],
            p["width"],
            p["batch_size"],
            p["dtype"],
            p["leaky_slope"],
            p["device"],
        )
        frames += [tables[init] for init in p["inits"]]
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
