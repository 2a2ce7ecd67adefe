"""How wide the first layer's gradient tails are depends on the network's width and
inputs, so the tutorial's ±0.025 is one setting's number, not a general one. Left: the
first layer's largest |∂L/∂W| entry at step 0 (plain N(0, 1) init; mean and sd over
seeds) against the hidden width, for digits standardised (64 inputs), scaled to [0, 1]
(64 inputs) and upsampled into MNIST's 28×28 layout (784 inputs); dotted: the tutorial's
0.025. Right: the standard deviation of each layer's gradient entries at step 0 (light
grey) and after SGD (black), median and range over seeds, plain vs truncated normal.

Drawn from results/studies/source_d/variants.csv and gradient_stats.csv.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import seaborn as sns

from ..machinery.tables import Tables
from .style import TEXT_WIDTH_IN, ramp, save, setup

TUTORIAL_TAIL = 0.025


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    stats = inputs.table("source_d.stats")
    variants = inputs.table("source_d.variants")
    fig, (left, right) = plt.subplots(1, 2, figsize=(TEXT_WIDTH_IN, 3.0))

    first = variants[(variants["layer"] == 1) & (variants["init"] == "normal")].copy()
    first["inputs"] = first["inputs"] + " (" + first["n_in"].astype(str) + " in)"
    sns.lineplot(
        data=first,
        x="width",
        y="abs_max",
        hue="inputs",
        style="inputs",
        markers=True,
        errorbar="sd",
        ax=left,
    )
    left.axhline(TUTORIAL_TAIL, color="0.3", ls=":", lw=1)
    left.set(
        xscale="log",
        yscale="log",
        xlabel="hidden width",
        ylabel="max |∂L/∂W₁| at step 0",
        title="first layer, step 0",
    )
    left.set_xticks(sorted(first["width"].unique()))
    left.set_xticklabels(sorted(first["width"].unique()))
    left.legend(fontsize=7, title=None)

    mb = stats[stats["batch"] == "minibatch"]
    mb = mb[mb["step"].isin([0, mb["step"].max()])].copy()
    mb["when"] = mb["step"].map(lambda s: "step 0" if s == 0 else f"step {s}")
    sns.lineplot(
        data=mb,
        x="layer",
        y="std",
        hue="when",
        # step 0 light grey, the last step black: an ordered variable on the grey ramp
        palette=dict(
            zip(sorted(mb["when"].unique(), key=lambda w: int(w.split()[-1])), ramp(2), strict=True)
        ),
        style="init",
        markers=True,
        estimator="median",
        errorbar=("pi", 100),
        ax=right,
    )
    right.set(
        yscale="log",
        xlabel="weight layer (5 = output)",
        ylabel="sd of ∂L/∂W entries",
        title="per-layer spread, minibatch gradient",
    )
    right.set_xticks(sorted(mb["layer"].unique()))
    right.legend(fontsize=7, title=None)
    fig.tight_layout()
    save(fig, outputs)
