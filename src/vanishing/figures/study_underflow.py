"""A low-precision dtype loses first-layer gradients to underflow once the float64
gradients fall below its smallest subnormal number, which deep sigmoid MLPs reach with
depth. Deep sigmoid MLPs, the same weights cast to each dtype. Left panel(s),
one per init: share of first-layer weight-gradient entries that are exactly zero in a
low-precision dtype although non-zero in float64, against depth (mean over seeds).
Right: the float64 median |gradient| of the first layer against depth (marker by init),
with the smallest positive (subnormal) number of each low-precision dtype as a dotted
line (a dtype is the same grey, marker and dash in every panel).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import matplotlib.pyplot as plt

from ..machinery.labels import label
from ..machinery.tables import Tables
from .style import INIT_MARKERS, TEXT_WIDTH_IN, init_order, levels, save, setup

if TYPE_CHECKING:
    import pandas as pd

# Widest exponent range first: the order in which dtypes stop underflowing.
DTYPE_ORDER = ("float64", "float32", "bfloat16", "float16")


def main(inputs: Tables, outputs: list[Path], params: dict[str, Any]) -> None:
    setup()
    df = inputs.table("underflow.grads")
    inits = init_order(df["init"])
    dtypes = [d for d in DTYPE_ORDER if d in set(df["dtype"]) and d != "float64"]
    dtypes += sorted(set(df["dtype"]) - set(dtypes) - {"float64"})
    # float64 is the black reference; the low-precision dtypes take greys, markers, dashes.
    look = {"float64": {"color": "black"}, **levels(["float64", *dtypes])}
    look["float64"] = {"color": "black"}
    fig, axes = plt.subplots(
        1,
        len(inits) + 1,
        figsize=(TEXT_WIDTH_IN - 0.1, 2.9),
        squeeze=False,
        layout="constrained",
    )
    for ax, init in zip(axes.flat, inits, strict=False):
        by = df[df["init"] == init].groupby(["dtype", "depth"], as_index=False)
        d = cast("pd.DataFrame", by["underflow_frac"].mean())
        for k, dt in enumerate(dtypes):
            r = d[d["dtype"] == dt]
            # Dtypes often share a curve (float32 and bfloat16 have the same exponent
            # range): each later one is drawn smaller and dashed, so none is hidden.
            ax.plot(
                r["depth"],
                r["underflow_frac"],
                ms=max(6.5 - 2 * k, 2.5),
                mfc="none" if k == 0 else None,
                lw=1.3,
                label=dt,
                **look[dt],
            )
        ax.set(
            title=f"sigmoid, {label(init, 'init')} init",
            xlabel="depth",
            ylabel="share of entries lost to underflow",
            ylim=(-0.03, 1.03),
        )
    axes.flat[0].legend(title="dtype", loc="upper left", fontsize=7)
    ax = axes.flat[-1]
    by_ref = df[df["dtype"] == "float64"].groupby(["init", "depth"], as_index=False)
    ref = cast("pd.DataFrame", by_ref["ref_abs_median"].median())
    for init in inits:
        r = ref[ref["init"] == init]
        ax.plot(
            r["depth"],
            r["ref_abs_median"],
            color="black",
            lw=1.3,
            marker=INIT_MARKERS.get(init, "o"),
            ms=4,
            label=f"float64 median, {label(init, 'init')}",
        )
    for name, tiny in df.groupby("dtype")["dtype_tiny"].first().items():
        if name != "float64":
            ax.axhline(
                tiny,
                ls=":",
                lw=1.3,
                color=look.get(name, {}).get("color", "0.5"),
                label=f"{name} smallest subnormal",
            )
    ax.set_yscale("log")
    ax.set(title="first-layer |gradient|, float64", xlabel="depth", ylabel="median |gradient|")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=2, fontsize=7)
    save(fig, outputs)
