"""Orthogonal init keeps deep networks' gradients the same at every depth and from seed
to seed, while a Gaussian of the same variance spreads them out more the deeper the
network. Orthogonal vs LeCun (1/fan_in) init in linear and tanh MLPs of width 64 against
depth: log10 of the first- over last-layer weight-gradient norm (top), spread across seeds
of the first layer's log10 gradient norm (middle), and the standard deviation of the log
singular values of the hidden-stack Jacobian ∂z_D/∂z_1 (bottom); lines mean over seeds,
bands ± 1 sd.

A deep linear net with orthogonal weights has every singular value equal to 1 at every
depth; with Gaussian weights the spectrum spreads with depth (it saturates near ln 1e16 ≈ 13
at the deepest nets, float64's resolution of the smallest singular values).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.ticker import NullLocator

from ..machinery.labels import label
from ..machinery.tables import Tables
from .style import INIT_MARKERS, activation_order, init_color, init_order, save, setup

ROWS = {
    "log10_ratio": "log10 first/last\ngradient norm",
    "seed_sd": "sd over seeds of\nlog10 ‖∂L/∂W₁‖",
    "jac_ln_sv_sd": "sd of ln singular\nvalues of ∂z_D/∂z_1",
}


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("meanfield.orthogonal")
    keys = ["activation", "init", "depth"]
    seed_sd = df.groupby(keys)["log10_grad_first"].std().rename("mean").to_frame()
    seed_sd["sd"] = 0.0
    stats = {
        "log10_ratio": df.groupby(keys)["log10_ratio"].agg(["mean", "std"]),
        "seed_sd": seed_sd,
        "jac_ln_sv_sd": df.groupby(keys)["jac_ln_sv_sd"].agg(["mean", "std"]),
    }
    acts = activation_order(df["activation"])
    inits = init_order(df["init"])
    depths = sorted(df["depth"].unique())
    fig, axes = plt.subplots(
        len(ROWS),
        len(acts),
        figsize=(2.6 * len(acts) + 1.0, 1.5 * len(ROWS) + 0.8),
        sharex=True,
        sharey="row",
        squeeze=False,
        layout="constrained",
    )
    for r, (key, ylabel) in enumerate(ROWS.items()):
        st = stats[key].reset_index()
        for c, act in enumerate(acts):
            ax = axes[r, c]
            for init in inits:
                d = st[(st["activation"] == act) & (st["init"] == init)].sort_values("depth")
                col = init_color(init)
                sd = d["std"].fillna(0) if "std" in d else d["sd"]
                ax.fill_between(
                    d["depth"], d["mean"] - sd, d["mean"] + sd, color=col, alpha=0.2, lw=0
                )
                ax.plot(
                    d["depth"],
                    d["mean"],
                    color=col,
                    marker=INIT_MARKERS.get(init, "o"),
                    ms=3.5,
                    lw=1.2,
                    label=label(init, "init"),
                )
            ax.set_xscale("log")
            ax.set_xticks(depths, [str(d) for d in depths])
            ax.xaxis.set_minor_locator(NullLocator())
            if r == 0:
                ax.set_title(label(act, "activation"))
            if c == 0:
                ax.set_ylabel(ylabel)
            if r == len(ROWS) - 1:
                ax.set_xlabel("depth (hidden layers)")
    fig.legend(*axes[0, 0].get_legend_handles_labels(), title="init", loc="outside right center")
    save(fig, outputs)
