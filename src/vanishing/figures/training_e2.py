"""He et al.'s deep-ReLU result reproduces on digits: with 30 hidden layers the Xavier-
initialised net does not train while the He-initialised one does, because Xavier's
gradients start several decades smaller in every layer. Left: training loss over SGD
steps of ReLU MLPs with 30 hidden layers, one line per seed (the same seeds and
minibatches for both inits). Right: weight-gradient norm per layer at step 0 (1 = input
side), median over seeds.

Xavier's Var(W) = 2/(fan_in + fan_out) halves the signal's second moment at every
ReLU layer; He's 2/fan_in keeps it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import seaborn as sns

from ..machinery.tables import Tables
from .style import TEXT_WIDTH_IN, hue, relabel, save, setup
from .training_common import finite_loss


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    steps = finite_loss(inputs.table("training.e2_steps"))
    layers = inputs.table("training.e2_layers")
    depth, width = int(steps["depth"].iloc[0]), int(steps["width"].iloc[0])
    steps, kw = hue(steps, "init", "init")  # same colour per init in both panels
    layers = relabel(layers, {"init": "init"})
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(TEXT_WIDTH_IN, 2.7), layout="constrained")
    sns.lineplot(
        steps,
        x="step",
        y="loss",
        **kw,
        units="seed",
        estimator=None,
        lw=0.9,
        ax=ax1,
    )
    ax1.set(
        title=f"ReLU, {depth} hidden layers × {width}", xlabel="SGD step", ylabel="training loss"
    )
    sns.lineplot(
        layers[layers["step"] == 0],
        x="layer",
        y="grad_norm",
        **kw,
        estimator="median",
        errorbar=("pi", 100),
        ax=ax2,
        legend=False,
    )
    ax2.set(yscale="log", title="step 0", xlabel="layer (1 = input side)", ylabel="‖∂L/∂W‖")
    save(fig, outputs)
