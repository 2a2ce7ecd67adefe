"""Training runs: minibatch SGD on digits over activation × init × depth × seed.

Two kinds of job share this study (the rule passes ``job``):

* ``grid``: the activations in ``job_activations`` (one or a few per process,
  since ``import torch`` costs seconds), each at every init (and its
  ``extra_settings`` inits) and depth; all (init, seed) networks of one depth
  train as one batched ensemble.
* ``e2``: the ReLU depth-30 comparison of Xavier vs He init (He et al. 2015).

Outputs, in order: steps.csv (per network × logged step: loss, accuracy),
layers.csv (per network × logged step × weight layer: gradient and update
statistics, dead units, tanh(n·x) threshold fractions) and units.csv (per
network × hidden layer: dead-unit and revival counts over the whole run).

Every row carries the network's ``status`` at that step: "finite", "diverged"
(its loss or a weight gradient became NaN/∞ during training) or "overflowed"
(already non-finite at initialisation); units.csv carries the final one. A
diverged run is a result: its rows stay in the tables, labelled.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.activations import get_activation
from ..core.data import digits
from ..core.runtime import DTYPES, device
from ..core.train import TrainLog, TrainSpec, train
from ..machinery.params.training import Params, inits_of, job_activations
from ..machinery.tables import Tables


def _spec(
    p: Params,
    act: str,
    inits: list[str],
    depth: int,
    width: int,
    seeds: list[int],
    steps: int,
    lr: float,
) -> TrainSpec:
    return TrainSpec(
        activation=get_activation(act, p.leaky_slope),
        inits=inits,
        depth=depth,
        width=width,
        seeds=seeds,
        steps=steps,
        lr=lr,
        batch_size=p.batch_size,
        log_every=p.log_every,
        monitor_size=p.monitor_size,
        dtype=DTYPES[p.dtype],
        # The config's top-level `device` (the rule passes it); CPU by default.
        device=device(p.device),
    )


NET = ["init", "seed"]
# one ensemble to train: activation, inits, depth, width, seeds, steps, learning rate
_Job = tuple[str, list[str], int, int, list[int], int, float]


def _status(out: TrainLog) -> pd.Series:
    """Per (init, seed, step): "finite", "diverged" or "overflowed" (at step 0)."""
    keys = [*NET, "step"]
    layers = out.layers
    bad_layer = layers["nonfinite"].astype(bool) | ~np.isfinite(layers["grad_norm"].astype(float))
    bad_layer = bad_layer.groupby([layers[k] for k in keys]).any()
    steps = out.steps.set_index(keys)
    bad = ~np.isfinite(steps["loss"].astype(float)) | bad_layer.reindex(
        steps.index, fill_value=False
    )
    first = steps.index.get_level_values("step") == 0
    return pd.Series(
        np.where(~bad, "finite", np.where(first, "overflowed", "diverged")),
        index=steps.index,
        name="status",
    )


def _label(
    df: pd.DataFrame, act: str, depth: int, spec: TrainSpec, status: pd.Series
) -> pd.DataFrame:
    df.insert(0, "depth", depth)
    df.insert(0, "activation", act)
    df["lr"] = spec.lr
    df["width"] = spec.width
    # the slope for x < 0 of the ReLU family (NaN otherwise): B5/B7 need leaky 0.1
    slope = spec.activation.negative_slope
    df["negative_slope"] = math.nan if slope is None else slope
    if "step" in df.columns:
        df["status"] = status.reindex(pd.MultiIndex.from_frame(df[[*NET, "step"]])).to_numpy()
    else:  # units: one row per network and layer, the network's final status
        last = status.xs(status.index.get_level_values("step").max(), level="step")
        df["status"] = last.reindex(pd.MultiIndex.from_frame(df[NET])).to_numpy()
    return df


def run(p: Params, inputs: Tables, outputs: dict[str, Path]) -> None:
    data = digits()
    jobs: list[_Job]
    if p.job == "e2":
        jobs = [("relu", p.e2_inits, p.e2_depth, p.e2_width, p.e2_seeds, p.e2_steps, p.e2_lr)]
    else:
        acts = job_activations(p) if p.job == "grid" else p.job.split("+")
        jobs = [
            (a, inits_of(p, a), d, p.width, p.seeds, p.steps, p.lr) for a in acts for d in p.depths
        ]
    tables: list[list[pd.DataFrame]] = [[], [], []]
    for act, inits, depth, width, seeds, steps, lr in jobs:
        spec = _spec(p, act, inits, depth, width, seeds, steps, lr)
        out = train(spec, data)
        status = _status(out)
        for bucket, df in zip(tables, (out.steps, out.layers, out.units), strict=True):
            bucket.append(_label(df, act, depth, spec, status))
    for path, frames in zip(outputs.values(), tables, strict=True):
        pd.concat(frames, ignore_index=True).to_csv(path, index=False)
