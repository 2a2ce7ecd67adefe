"""C2 against the underflow study (studies/underflow): the same deep sigmoid nets'
first-layer gradients in float64 and in lower precisions."""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from ..machinery.labels import label, pct
from .registry import ClaimResult, Results, check, result
from .stats import diverged_of, diverged_text, exact, key_of, sig, spread
from .verdict import part

UNDERFLOW = "underflow.grads"

# ---- tolerances, fixed before the run ----------------------------------------
# Underflow "happens" in a network when at least half of its first-layer gradient
# entries that are non-zero in float64 become exactly 0: one such network proves the
# claim ("can underflow"), so the statistic is the largest share over every network.
UNDERFLOW_MAJORITY = 0.5


@check("C2")
def check_c2_underflow(r: Results) -> ClaimResult:
    df = r.table(UNDERFLOW)
    nonfinite = df["nonfinite"].astype(bool) if "nonfinite" in df else pd.Series(False, df.index)
    status = pd.Series(
        np.where(nonfinite, "overflowed", "finite"),
        index=pd.MultiIndex.from_frame(df[["dtype", "init", "depth", "seed"]]),
    )
    low = df[(df["dtype"] != "float64") & ~nonfinite]
    # the row (a Series) of the largest share
    top = cast(pd.Series, low.loc[cast(int, low["underflow_frac"].idxmax())]) if len(low) else None
    stat = exact(
        "largest share, over every dtype, init and depth, of a network's non-zero float64 "
        "first-layer gradient entries "
        "that became exactly 0",
        float(low["underflow_frac"].max()) if len(low) else np.nan,
        UNDERFLOW_MAJORITY,
        "above",
    )
    mean = low.groupby(["dtype", "init", "depth"])["underflow_frac"].mean().reset_index()
    hit = mean[mean["underflow_frac"] >= UNDERFLOW_MAJORITY]
    first = hit.groupby(["dtype", "init"])["depth"].min()
    firsts = (
        "; ".join(
            f"{label(d, 'dtype')}, {label(i, 'init')}: from depth {v}"
            for (d, i), v in ((key_of(key), v) for key, v in first.items())
        )
        or "never"
    )
    per = "; ".join(
        f"{dt} {spread(g.loc[g['depth'] == g['depth'].max(), 'underflow_frac'])} at depth "
        f"{int(g['depth'].max())}"
        for dt, g in low.groupby("dtype")
    )
    ref_zero = float(df[df["dtype"] == "float64"]["underflow_frac"].max())
    return result(
        part("C2", stat),
        measured=f"largest underflow share {sig(stat.value)}"
        + (
            f" ({top['dtype']}, {top['init']}, depth {int(top['depth'])}, seed {int(top['seed'])})"
            if top is not None
            else ""
        )
        + f"; mean share ≥ {pct(UNDERFLOW_MAJORITY)} — {firsts}; at the deepest depth: {per}",
        expected="some gradients become exactly 0 in floating point",
        tolerance=f"one network with ≥ {pct(UNDERFLOW_MAJORITY)} of its float64-non-zero "
        "first-layer gradient entries exactly 0 proves it (an existence claim: exact maximum "
        "over every network)",
        evidence="Deep sigmoid MLPs, the same weights cast to each dtype, one backward pass on a "
        "digits batch; first-layer gradient entries that are 0 though non-zero in float64. "
        + diverged_text(status, "networks")
        + " (overflowed ones are left out).",
        figures=["study_underflow"],
        tables=[UNDERFLOW],
        note=f"float64 itself lost {sig(ref_zero)}. The smallest positive number of each dtype "
        "(its subnormal floor): "
        + ", ".join(
            f"{dt} {sig(float(v))}" for dt, v in df.groupby("dtype")["dtype_tiny"].first().items()
        )
        + "; a gradient is lost once its float64 value falls below that, which is why "
        "mixed-precision training scales the loss.",
        values={"max_underflow_frac": stat.value, "n_underflow_cells": float(len(hit))},
        diverged=diverged_of(status),
    )
