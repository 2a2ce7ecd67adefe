"""Training runs: minibatch SGD on digits over activation × init × depth × seed.

Two kinds of job share this study (the rule passes ``job``):

* ``grid``: the activations in ``job_activations`` (one or a few per process,
  since ``import torch`` costs seconds), each at every init and depth; all
  (init, seed) networks of one depth train as one batched ensemble.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd

from ..activations import get_activation
from ..config_types import (
    N_TRAIN,
    Activations,
    ComputeDtype,
    Count,
    Depth,
    Depths,
    Inits,
    Lr,
    Seeds,
    Slope,
    Spec,
    Steps,
    TrainBatch,
    Width,
)
from ..data import digits
from ..jobs import grouped
from ..runtime import DTYPES, device
from ..tables import Tables
from ..train import TrainLog, TrainSpec, train

DEFAULT_ACTIVATIONS = [
    "sigmoid",
    "tanh",
    "tanh_n2",
    "tanh_n3",
    "relu",
    # the source's leaky slope for B5/B7 ("0.1·x for x < 0"), and PyTorch's 0.01
    "leaky_relu0.1",
    "leaky_relu",
    "prelu",
    "elu",
    "necro_relu",
]


@dataclass
class Params:
    activations: Activations = field(default_factory=lambda: list(DEFAULT_ACTIVATIONS))
    inits: Inits = field(default_factory=lambda: ["glorot_standard", "xavier", "he"])
    depths: Depths = field(default_factory=lambda: [4, 16, 32])
    seeds: Seeds = field(default_factory=lambda: [0, 1, 2, 3, 4])
    # Activations per grid process: 1 spreads the default grid over 2 cores; the
    # quick config packs everything into one process to pay `import torch` once.
    activations_per_job: Annotated[int, Spec(ge=1, le=100)] = 1
    width: Width = 64
    steps: Steps = 800
    # One learning rate for the whole grid: tuning it per configuration would
    # confound the activation × init × depth comparisons the claims are about.
    # 0.05 lets depth-4 nets fit digits within 800 steps and, in a pilot, did not
    # blow up any depth-32 configuration (a divergence would be recorded, not hidden).
    lr: Lr = 0.05
    batch_size: TrainBatch = 32
    # Each logged step evaluates every network on the whole training split, forward
    # and backward: at 40 that was 60 % of the stage's time (as many examples as the
    # 800 SGD steps themselves). Every 100 steps gives 9 points per curve, and the
    # checks read the first and last logged steps or medians over all of them.
    log_every: Count = 100
    # 0 = monitor on the whole training split: "dead" then means silent on every
    # training example, so a dead ReLU unit gets no gradient from any minibatch.
    monitor_size: Annotated[int, Spec(ge=0, le=N_TRAIN)] = 0
    leaky_slope: Slope = 0.01
    dtype: ComputeDtype = "float32"
    # E2: He et al. 2015's deep ReLU net, Xavier vs He.
    e2_depth: Depth = 30
    e2_width: Width = 64
    e2_inits: Inits = field(default_factory=lambda: ["xavier", "he"])
    # 10 per arm: E2's intervals are bootstraps over these seeds
    e2_seeds: Seeds = field(default_factory=lambda: list(range(10)))
    e2_steps: Steps = 1000
    # A low rate so the depth-30 He net, whose gradients are O(1) at every layer,
    # does not diverge with plain SGD; Xavier then has every chance to move too.
    e2_lr: Lr = 0.01

    def validate(self) -> None:
        for i, name in enumerate(self.activations):
            try:
                get_activation(name, self.leaky_slope)
            except KeyError as e:
                raise ValueError(f"activations[{i}]: {e.args[0]}") from None


def job_names(p: dict) -> list[str]:
    """Grid jobs: activations chunked ``activations_per_job`` at a time, named by them."""
    return grouped(p["activations"], p["activations_per_job"])


def _spec(
    p: dict,
    act: str,
    inits: list[str],
    depth: int,
    width: int,
    seeds: list[int],
    steps: int,
    lr: float,
) -> TrainSpec:
    return TrainSpec(
        activation=get_activation(act, p["leaky_slope"]),
        inits=inits,
        depth=depth,
        width=width,
        seeds=seeds,
        steps=steps,
        lr=lr,
        batch_size=p["batch_size"],
        log_every=p["log_every"],
        monitor_size=p["monitor_size"],
        dtype=DTYPES[p["dtype"]],
        # The config's top-level `device` (the rule passes it); CPU when absent.
        device=device(p.get("device", "cpu")),
    )


NET = ["init", "seed"]


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


def run(params: dict[str, Any], inputs: Tables, outputs: dict[str, Path]) -> None:
    p = params
    data = digits()
    if p.get("job", "grid") == "e2":
        jobs = [
            (
                "relu",
                p["e2_inits"],
                p["e2_depth"],
                p["e2_width"],
                p["e2_seeds"],
                p["e2_steps"],
                p["e2_lr"],
            )
        ]
    else:
        acts = p["job"].split("+") if p.get("job") not in (None, "grid") else p["activations"]
        jobs = [
            (a, p["inits"], d, p["width"], p["seeds"], p["steps"], p["lr"])
            for a in acts
            for d in p["depths"]
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
