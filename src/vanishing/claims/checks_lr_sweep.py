"""C1 against the learning-rate sweep (studies/lr_sweep): one configuration, many α."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .registry import ClaimResult, Results, check, not_tested, result
from .stats import FINITE, diverged_of, diverged_text, over_runs, sig
from .verdict import CI, across, all_of, part

LR_SWEEP = "lr_sweep.curves"

# ---- tolerances, fixed before the run ----------------------------------------
# "slow": the smallest α still ends ≥ 10× above the best α's final loss.
LOSS_FACTOR = 10.0
# "imprecise": last-quarter jitter (mean |Δ log10 loss| between evaluations) ≥ 3× the
# best α's; a diverged run is imprecise by definition.
JITTER_FACTOR = 3.0
# "fast": a lower loss than the best α's after the first 10 % of training.
EARLY_FRACTION = 0.1
# the last quarter of training is where precision is judged
TAIL = 0.75


def _metrics(df: pd.DataFrame) -> pd.DataFrame:
    """Per (lr, seed): early loss, final (last-quarter mean), jitter, status."""
    steps = np.sort(df["step"].unique())
    early_step = steps[np.searchsorted(steps, EARLY_FRACTION * steps.max())]
    tail = steps[steps >= TAIL * steps.max()]
    rows = []
    for (lr, seed), g in df.groupby(["lr", "seed"]):
        g = g.set_index("step")["train_loss"].astype(float)
        t = g.loc[tail].to_numpy()
        ok = bool(np.isfinite(t).all() and np.isfinite(g.loc[early_step]))
        rows.append(
            {
                "lr": lr,
                "seed": seed,
                "early": float(g.loc[early_step]) if ok else math.inf,
                "final": float(np.mean(t)) if ok else math.inf,
                "jitter": float(np.mean(np.abs(np.diff(np.log10(t))))) if ok else math.inf,
                "status": FINITE if ok else "diverged",
            }
        )
    return pd.DataFrame(rows).set_index(["lr", "seed"])


def _ratio(a: pd.Series, b: pd.Series) -> pd.Series:
    a, b = a.align(b, join="inner")
    with np.errstate(invalid="ignore", divide="ignore"):
        q = a / b
    return q.where(~(np.isinf(a) & np.isinf(b)), 1.0)


@check("C1")
def check_c1_lr(r: Results) -> ClaimResult:
    df = r.table(LR_SWEEP)
    m = _metrics(df)
    med = m.groupby("lr")[["early", "final", "jitter"]].median()
    usable = m["status"].eq(FINITE).groupby("lr").mean() >= 0.5
    if not usable.any():
        return not_tested("every learning rate diverged in most seeds", [LR_SWEEP])
    best = float(med.loc[usable[usable].index, "final"].idxmin())
    smallest = float(med.index.min())
    at = {lr: m.xs(lr, level="lr") for lr in med.index}
    slow = part(
        f"the smallest α ({smallest:g}) is slow",
        over_runs(
            f"median final loss α = {smallest:g} over α = {best:g} (paired by seed)",
            _ratio(at[smallest]["final"], at[best]["final"]),
            LOSS_FACTOR,
            "above",
            scale="log",
        ),
    )
    large = []
    for lr in [x for x in med.index if x > best]:
        large.append(
            all_of(
                f"α = {lr:g}",
                [
                    part(
                        "fast early",
                        over_runs(
                            f"median early loss α = {lr:g} over α = {best:g}",
                            _ratio(at[lr]["early"], at[best]["early"]),
                            1.0,
                            "below",
                            strict=True,
                            scale="log",
                        ),
                    ),
                    part(
                        "imprecise late",
                        over_runs(
                            f"median last-quarter jitter α = {lr:g} over α = {best:g}",
                            _ratio(at[lr]["jitter"], at[best]["jitter"]),
                            JITTER_FACTOR,
                            "above",
                            scale="log",
                        ),
                    ),
                ],
            )
        )
    tree = all_of("C1", [slow, across("a larger α is fast but imprecise", large)])
    status = m["status"]
    fmt = "; ".join(
        f"α = {lr:g}: early {sig(row.early)}, final {sig(row.final)}, jitter {sig(row.jitter)}"
        + (
            f" (diverged in {int((status.xs(lr, level='lr') != FINITE).sum())} of "
            f"{len(status.xs(lr, level='lr'))} seeds)"
            if (status.xs(lr, level="lr") != FINITE).any()
            else ""
        )
        for lr, row in med.iterrows()
    )
    return result(
        tree,
        measured=f"medians over {df['seed'].nunique()} seeds — {fmt}",
        expected="large α: fast but imprecise; small α: slow",
        tolerance=f"slow: the smallest α ends ≥ {LOSS_FACTOR:g}× the best α's final loss; per "
        f"α above the best: fast = lower loss than the best α's at {EARLY_FRACTION:.0%} of "
        f"training, imprecise = last-quarter jitter ≥ {JITTER_FACTOR:g}× the best's; medians "
        f"of per-seed ratios with {CI} bootstrap over seeds",
        evidence="A ReLU/He MLP trained on digits with plain mini-batch SGD at several learning "
        "rates, same seeds and batch order; training loss every few steps. "
        + diverged_text(status, "runs")
        + " (a diverged run is imprecise and not fast: its losses are ∞).",
        figures=["study_lr_sweep"],
        tables=[LR_SWEEP],
        note=f"Best final loss at α = {best:g}. The article also speaks of the step size as if "
        "it were the number of iterations, and its 'α between 0 and 1' is no bound: whether a "
        "step size is large depends on the loss surface, not on 1.",
        values={"best_lr": best},
        diverged=diverged_of(status),
    )
