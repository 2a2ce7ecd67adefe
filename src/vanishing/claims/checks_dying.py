"""Checks of the dying study (studies/dying): all-zero init (B12, with the probe grid)
and nets born dead (E5)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..machinery.labels import interval, label, num
from .registry import ClaimResult, Results, check, result
from .stats import (
    FINITE,
    condition,
    diverged_of,
    diverged_text,
    exact,
    key_of,
    names,
    newcombe,
    over_runs,
    quantity_gap,
    sig,
    wilson,
    with_interval,
)
from .verdict import CI, across, all_of, by_form, not_every, part

ZERO_INIT, BORN_DEAD, SUMMARY = "dying.zero_init", "dying.born_dead", "probe.summary"
RATIO_COL = "log10_delta_ratio"
RATIO = "log10 ‖δ₁‖/‖δ_out‖"

# ---- tolerances, fixed before the run ----------------------------------------
# B12: a gradient is "healthy" when the first and last layers' back-propagated errors are
# within a factor 10 (one decade) of each other at the deepest probed depth.
HEALTHY_DECADES = 1.0


def _abs_ratio(s: pd.DataFrame) -> pd.Series:
    """|log10 ‖δ₁‖/‖δ_out‖| per network, +∞ where the probe overflowed."""
    v = s[RATIO_COL].astype(float).abs()
    bad = (s["status"] != FINITE) if "status" in s else ~np.isfinite(v)
    return v.where(~bad & v.notna(), np.inf)


B12_GOOD = "Inits under which deep ReLU nets are clearly healthy"
B12_BAD = "Inits under which deep ReLU nets are clearly unhealthy"
B12_SPOIL = "Activations clearly unhealthy even with ReLU's good inits"


@check("B12")
def check_b12_zero_init(r: Results) -> ClaimResult:
    z = r.table(ZERO_INIT)
    relu = z[z["activation"] == "relu"]
    out_max = float(relu[["hidden_abs_max", "hidden_grad_abs_max"]].abs().max().max())
    stays = part(
        "zero weights keep ReLU units at exactly 0",
        exact(
            "largest hidden output or gradient of a zero-init ReLU net, any step",
            out_max,
            0.0,
            "below",
        ),
    )
    s = r.table(SUMMARY)
    depth = int(s["depth"].max())
    deep = s[(s["depth"] == depth) & (s["init"] != "zeros")].assign(
        abs_ratio=lambda d: _abs_ratio(d)
    )
    cells = {key_of(k): g["abs_ratio"].to_numpy() for k, g in deep.groupby(["activation", "init"])}
    relu_cells: dict[str, np.ndarray] = {i: v for (a, i), v in cells.items() if a == "relu"}
    relu_bad = [
        part(
            condition(init=i),
            over_runs(
                f"median |{RATIO}|, ReLU",
                v,
                HEALTHY_DECADES,
                "above",
                strict=True,
                unit=" decades",
            ),
        )
        for i, v in relu_cells.items()
    ]
    relu_good = [
        part(
            condition(init=i),
            over_runs(f"median |{RATIO}|, ReLU", v, HEALTHY_DECADES, "below", unit=" decades"),
        )
        for i, v in relu_cells.items()
    ]
    good_inits = [i for p, i in zip(relu_good, relu_cells, strict=True) if p.verdict == "supported"]
    spoil = [
        part(
            condition(activation=a, init=i),
            over_runs(
                f"median |{RATIO}|",
                v,
                HEALTHY_DECADES,
                "above",
                strict=True,
                unit=" decades",
            ),
        )
        for (a, i), v in cells.items()
        if i in good_inits and a != "relu"
    ]
    tree = all_of(
        "B12",
        [
            stays,
            # "neither alone fixes it" denies two general claims ("ReLU fixes it under
            # every init", "an init that suits ReLU suits every activation"): one clear
            # exception supports each part; none anywhere refutes it
            not_every("ReLU alone does not fix it (some init leaves ReLU unhealthy)", relu_bad),
            not_every(
                "the init alone does not fix it (an init that suits ReLU leaves another "
                "activation unhealthy)",
                spoil,
            ),
            by_form("existence", "both together help (ReLU healthy under some init)", relu_good),
        ],
    )
    status = (
        deep.set_index(["activation", "init", "seed"])["status"]
        if "status" in deep
        else pd.Series(FINITE, index=pd.MultiIndex.from_frame(deep[["activation", "init", "seed"]]))
    )
    sig_rows = z[z["activation"] == "sigmoid"]
    bad_inits = [p.name for p in relu_bad if p.verdict == "supported"]
    spoilers = [p.name for p in spoil if p.verdict == "supported"]
    return result(
        tree,
        measured=f"zero-init ReLU over {int(relu['step'].max())} SGD steps: largest hidden output "
        f"or gradient {sig(out_max)}; probe at depth {depth}: ReLU clearly healthy with "
        f"{names([label(i, 'init') for i in good_inits], title=B12_GOOD, what='inits')}, "
        "clearly not with "
        f"{names(bad_inits, title=B12_BAD, what='inits')}; "
        "with those good inits still clearly unhealthy: "
        f"{names(spoilers, title=B12_SPOIL, what='activations')}",
        expected="hidden outputs and gradients stay exactly 0; ReLU needs a matching init and a "
        "good init needs a suitable activation",
        tolerance=f"exact zeros at every step; 'healthy' = median |{RATIO}| ≤ "
        f"{num(HEALTHY_DECADES)} decade at the deepest probed depth, {CI} bootstrap over seeds; "
        "each 'some' part needs one clear case",
        evidence="All-zero weights and biases trained with SGD on digits (ReLU, tanh, sigmoid); "
        "the probe grid's gradient ratios at init for every activation × init. "
        + diverged_text(status, "probe networks")
        + " (an overflowed one counts as unhealthy).",
        figures=["delta_heatmap"],
        tables=[ZERO_INIT, SUMMARY],
        note="Only the hidden units stay at 0: the output bias still learns the class "
        "frequencies, so the network output is a constant, not zero. The cause is "
        "f(0) = 0 with zero weights (tanh behaves identically), not ReLU as such"
        + (
            f"; with sigmoid (f(0) = ½) the hidden gradient reaches "
            f"{sig(float(sig_rows['hidden_grad_abs_max'].max()))} but every unit of a layer stays "
            f"identical (spread over units and inputs "
            f"{sig(float(sig_rows['hidden_spread'].max()))})"
            if len(sig_rows)
            else ""
        )
        + ". "
        + quantity_gap(s, [("relu", i, depth) for i in relu_cells]),
        values={"relu_zero_init_max": out_max, "n_good_relu_inits": float(len(good_inits))},
        diverged=diverged_of(status),
    )


@check("E5")
def check_e5_born_dead(r: Results) -> ClaimResult:
    df = r.table(BORN_DEAD)
    conds, lines, rhos = [], [], []
    for width, g in df.groupby("width"):
        frac = g.groupby("depth")["born_dead"].mean()
        shallow, deep = frac.index[0], frac.index[-1]
        a = g[g["depth"] == deep]["born_dead"].astype(bool)
        b = g[g["depth"] == shallow]["born_dead"].astype(bool)
        lo, hi = newcombe(a.sum(), len(a), b.sum(), len(b))
        conds.append(
            part(
                f"width {width}",
                with_interval(
                    f"born-dead share at depth {deep} − at depth {shallow}",
                    a.mean() - b.mean(),
                    lo,
                    hi,
                    f"Newcombe {CI} over {num(len(a))} + {num(len(b))} nets",
                    0.0,
                    "above",
                    strict=True,
                    n=min(len(a), len(b)),
                ),
            )
        )
        rho = float(pd.Series(frac.index).corr(pd.Series(frac.to_numpy()), method="spearman"))
        lines.append(
            f"width {width}: "
            + ", ".join(
                f"depth {d} {interval(v, *wilson(v * n, n))}"
                for d, v, n in zip(frac.index, frac, g.groupby("depth").size(), strict=True)
            )
        )
        rhos.append(f"width {width} {sig(rho)}")
    tree = across("E5", conds)
    return result(
        tree,
        measured=f"born-dead share [Wilson {CI}] — "
        + "; ".join(lines)
        + f"; Spearman ρ over depths: {', '.join(rhos)}",
        expected="the born-dead share grows with depth at fixed narrow width",
        tolerance=f"per width: Newcombe {CI} interval of the share at the deepest depth minus "
        "the share at the shallowest above 0",
        evidence="Many randomly initialised ReLU nets (He init, zero biases) per width × depth on "
        "Gaussian 2-d inputs; born dead = identical output for every input.",
        figures=["study_born_dead"],
        tables=[BORN_DEAD],
        note="Zero biases make the net positively homogeneous, so a dead net outputs exactly "
        "0 + output bias. Wider layers push the curve to larger depths.",
        values={"widths_grow": float(sum(c.verdict == "supported" for c in conds))},
    )
