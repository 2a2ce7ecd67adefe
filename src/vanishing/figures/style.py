"""Shared look and byte-reproducible saving for every figure."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")  # no screen on the build machines
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

# Seaborn draws stripplot jitter from NumPy's global generator: seed it, so that
# the same table gives the same points (and bytes) on every run.
JITTER_SEED = 0


def setup() -> None:
    np.random.seed(JITTER_SEED)  # noqa: NPY002 (seaborn reads the legacy global generator)
    sns.set_theme(context="paper", style="whitegrid", palette="colorblind")
    plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 150, "svg.hashsalt": "vanishing"})


def save(fig: plt.Figure, outputs: list[Path] | list[str]) -> None:
    """Write PNG/PDF without timestamps, so the same data gives the same bytes."""
    for out in map(Path, outputs):
        out.parent.mkdir(parents=True, exist_ok=True)
        meta = {"CreationDate": None} if out.suffix == ".pdf" else {"Software": None}
        fig.savefig(out, bbox_inches="tight", metadata=meta)
    plt.close(fig)
