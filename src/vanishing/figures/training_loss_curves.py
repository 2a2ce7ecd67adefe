"""Training loss (cross-entropy on the whole digits training split) over SGD
steps, median over seeds with the min–max band; one panel per activation (column)
and depth (row), colour by initialisation.

Same learning rate, batch size, seeds and minibatch order everywhere, so the
panels differ only by activation, init and depth; runs that diverged are drawn at
the top edge.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import seaborn as sns

from ..tables import Tables
from .style import save, setup
from .training_common import finite_loss


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    steps = finite_loss(inputs.table("training.steps"))
    g = sns.relplot(
        steps,
        x="step",
        y="loss",
        hue="init",
        row="depth",
        col="activation",
        kind="line",
        estimator="median",
        errorbar=("pi", 100),
        height=1.7,
        aspect=1.1,
        facet_kws={"margin_titles": True},
    )
    g.set(yscale="log")
    g.set_titles(row_template="depth {row_name}", col_template="{col_name}")
    g.set_axis_labels("SGD step", "training loss")
    save(g.figure, outputs)
