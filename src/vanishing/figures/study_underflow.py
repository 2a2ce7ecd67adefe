"""Underflow in deep sigmoid MLPs, the same weights cast to each dtype. Left panel(s),
one per init: share of first-layer weight-gradient entries that are exactly zero in a
low-precision dtype although non-zero in float64, against depth (mean over seeds).
Right: the float64 median |gradient| of the first layer against depth (marker by init),
with the smallest positive (subnormal) number of each low-precision dtype as a dotted
line. Colour always means the dtype: a dtype's gradients underflow once the black
float64 curve falls below that dtype's dotted line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from ..labels import label
from ..tables import Tables
from .style import DTYPE_COLORS, FALLBACK, INIT_MARKERS, init_order, save, setup


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("underflow.grads")
    inits = init_order(df["init"])
    dtypes = [d for d in DTYPE_COLORS if d in set(df["dtype"]) and d != "float64"]
    dtypes += sorted(set(df["dtype"]) - set(dtypes) - {"float64"})
    fig, axes = plt.subplots(
        1,
        len(inits) + 1,
        figsize=(2.6 * (len(inits) + 1) + 0.4, 2.8),
        squeeze=False,
        layout="constrained",
    )
    for ax, init in zip(axes.flat, inits, strict=False):
        d = df[df["init"] == init].groupby(["dtype", "depth"], as_index=False)["underflow_frac"]
        d = d.mean()
        for k, dt in enumerate(dtypes):
            r = d[d["dtype"] == dt]
            # Dtypes often share a curve (float32 and bfloat16 have the same exponent
            # range): each later one is drawn smaller and dashed, so none is hidden.
            ax.plot(
                r["depth"],
                r["underflow_frac"],
                marker="os^D"[k % 4],
                ms=max(6.5 - 2 * k, 2.5),
                mfc="none" if k == 0 else None,
                lw=1.3,
                ls=("-", "--", ":", "-.")[k % 4],
                color=DTYPE_COLORS.get(dt, FALLBACK),
                label=dt,
            )
        ax.set(
            title=f"sigmoid, {label(init, 'init')} init",
            xlabel="depth",
            ylabel="share of entries lost to underflow",
            ylim=(-0.03, 1.03),
        )
    axes.flat[0].legend(title="dtype", loc="upper left")
    ax = axes.flat[-1]
    ref = df[df["dtype"] == "float64"].groupby(["init", "depth"], as_index=False)
    ref = ref["ref_abs_median"].median()
    for init in inits:
        r = ref[ref["init"] == init]
        ax.plot(
            r["depth"],
            r["ref_abs_median"],
            color=DTYPE_COLORS["float64"],
            lw=1.3,
            marker=INIT_MARKERS.get(init, "o"),
            ms=4,
            label=f"float64 median, {label(init, 'init')}",
        )
    for dt, tiny in df.groupby("dtype")["dtype_tiny"].first().items():
        if dt != "float64":
            ax.axhline(
                tiny,
                ls=":",
                lw=1.3,
                color=DTYPE_COLORS.get(dt, FALLBACK),
                label=f"{dt} smallest subnormal",
            )
    ax.set_yscale("log")
    ax.set(title="first-layer |gradient|, float64", xlabel="depth", ylabel="median |gradient|")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside right center")
    save(fig, outputs)
