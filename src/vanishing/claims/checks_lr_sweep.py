"""C1 against the learning-rate sweep (studies/lr_sweep): one configuration, many α.

The claim compares step sizes: "a large α converges quickly but imprecisely, a small α
slowly". It is read as two comparisons with the best α (the lowest final loss):

(a) small α is slow: after a fixed early budget of steps, the smallest α's loss is
    higher than the best α's;
(b) large α is fast but imprecise: the largest α above the best one that still
    converges in most seeds reaches, within the same early budget, a loss at least
    as low as the best α's (fast) and ends with a higher final loss (imprecise).

A diverged run (a non-finite loss) is a failure to converge: its losses count as ∞ from
the step it diverged, so it is never fast after that and always imprecise. An α whose
runs diverged in half of its seeds or more does not "converge" at all and is not a
candidate for (b); without such a candidate above the best α, (b) is not tested (the
grid lacks the values between the best α and the first diverging one), not refuted.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..machinery.labels import num, pct
from .registry import ClaimResult, Results, check, not_tested, result
from .stats import FINITE, diverged_of, diverged_text, fmt_stats, over_runs, real, sig
from .verdict import CI, all_of, part, untested

LR_SWEEP = "lr_sweep.curves"
# the claim's parts, as catalogue.yaml names them
SLOW_PART = "a small α converges slowly"
LARGE_PART = "a large α converges fast but imprecisely"

# ---- tolerances, fixed before the run ----------------------------------------
# The early budget: the first evaluation at or after this share of the training steps.
EARLY_FRACTION = 0.1
# The last quarter of training is where the final loss (its mean) and the oscillation
# (mean |Δ log10 loss| between evaluations) are read.
TAIL = 0.75
# (a) slow: the smallest α's early loss over the best α's, paired by seed, > 1.
SLOW_RATIO = 1.0
# (b) fast: the large α's early loss over the smallest α's < 1 (it got further in the same
# steps); imprecise: its final loss over the best α's > 1.
FAST_RATIO = 1.0
IMPRECISE_RATIO = 1.0


def _metrics(df: pd.DataFrame) -> pd.DataFrame:
    """Per (lr, seed): loss at the early budget, final loss (last-quarter mean),
    last-quarter oscillation, status. A diverged run's losses are ∞ from its first
    non-finite evaluation on."""
    steps = np.sort(df["step"].unique())
    early_step = steps[np.searchsorted(steps, EARLY_FRACTION * steps.max())]
    tail = steps[steps >= TAIL * steps.max()]
    rows = []
    for (lr, seed), runs in df.groupby(["lr", "seed"]):
        g = runs.set_index("step")["train_loss"].astype(float).sort_index()
        bad = ~np.isfinite(g.to_numpy())
        diverged_at = float(g.index[int(bad.argmax())]) if bad.any() else math.inf
        t = g.loc[tail].to_numpy()
        ok = not bad.any()
        rows.append(
            {
                "lr": real(lr),
                "seed": seed,
                "early": float(g.loc[early_step]) if early_step < diverged_at else math.inf,
                "final": float(np.mean(t)) if ok else math.inf,
                "jitter": float(np.mean(np.abs(np.diff(np.log10(t))))) if ok else math.inf,
                "status": FINITE if ok else "diverged",
            }
        )
    out = pd.DataFrame(rows).set_index(["lr", "seed"])
    out.attrs["early_step"] = int(early_step)
    out.attrs["last_step"] = int(steps.max())
    return out


def _ratio(a: pd.Series, b: pd.Series) -> pd.Series:
    """Per-seed a / b; two diverged runs (∞ / ∞) count as equal."""
    a, b = a.align(b, join="inner")
    with np.errstate(invalid="ignore", divide="ignore"):
        q = a / b
    return q.where(~(np.isinf(a) & np.isinf(b)), 1.0)


def _failed(status: pd.Series, lr: float) -> tuple[int, int]:
    s = status.xs(lr, level="lr")
    return int((s != FINITE).sum()), len(s)


@check("C1")
def check_c1_lr(r: Results) -> ClaimResult:
    df = r.table(LR_SWEEP)
    m = _metrics(df)
    status = m["status"]
    early_step, last_step = m.attrs["early_step"], m.attrs["last_step"]
    # medians over seeds; a diverged seed is ∞, so the median is finite only when more
    # than half of an α's seeds converged
    med = m.groupby("lr")[["early", "final", "jitter"]].median()
    converges = med["final"].map(math.isfinite)
    if not converges.any():
        return not_tested("every learning rate diverged in half of its seeds or more", [LR_SWEEP])
    best = float(med.loc[converges, "final"].idxmin())
    smallest = float(med.index.min())
    at = {lr: m.xs(lr, level="lr") for lr in med.index}
    n_seeds = df["seed"].nunique()

    # (a) the smallest α is slow
    if smallest == best:
        slow = untested(
            SLOW_PART,
            f"the smallest α ({num(smallest, 6)}) has the lowest final loss: the grid needs "
            "smaller α",
        )
        slow_stat = None
    else:
        slow_stat = over_runs(
            f"median early loss (step {early_step}) α = {num(smallest, 6)} over α = "
            f"{num(best, 6)}, "
            "paired by seed",
            _ratio(at[smallest]["early"], at[best]["early"]),
            SLOW_RATIO,
            "above",
            scale="log",
            strict=True,
        )
        slow = part(SLOW_PART, slow_stat)

    # (b) the largest α above the best that still converges in most seeds
    above = [float(lr) for lr in med.index if lr > best and converges[lr]]
    diverging = [float(lr) for lr in med.index if not converges[lr]]
    first_div = min((lr for lr in diverging if lr > best), default=None)
    fast_stat = imprecise_stat = None
    if not above:
        gap = (
            f"between α = {num(best, 6)} and α = {num(first_div, 6)}, where half or more of "
            "the seeds diverge"
            if first_div is not None
            else f"above α = {num(best, 6)}"
        )
        large = untested(
            LARGE_PART,
            f"no α above the best one (α = {num(best, 6)}) converged in most seeds: the grid needs "
            f"values {gap}",
        )
        big = None
    else:
        big = max(above)
        # "fast" is the sentence's contrast with a small α ("a small α slowly"), so the
        # large α's early loss is set against the smallest α's; how it compares with the
        # best α's is in the prose
        fast_stat = over_runs(
            f"median early loss (step {early_step}) α = {num(big, 6)} over α = "
            f"{num(smallest, 6)}, paired "
            "by seed",
            _ratio(at[big]["early"], at[smallest]["early"]),
            FAST_RATIO,
            "below",
            scale="log",
            strict=True,
        )
        imprecise_stat = over_runs(
            f"median final loss α = {num(big, 6)} over α = {num(best, 6)}, paired by seed",
            _ratio(at[big]["final"], at[best]["final"]),
            IMPRECISE_RATIO,
            "above",
            scale="log",
            strict=True,
        )
        large = all_of(
            LARGE_PART,
            [part("fast", fast_stat), part("imprecise", imprecise_stat)],
        )
    tree = all_of("C1", [slow, large])

    # ---- the prose ---------------------------------------------------------------
    def final_of(lr: float) -> str:
        k, n = _failed(status, lr)
        tail = f", {k} of {n} seeds diverged" if k else ""
        return f"α = {num(lr, 6)}: {sig(real(med.at[lr, 'final']))}{tail}"

    shown = [smallest, best, *([big] if big is not None else [])]
    if first_div is not None:
        shown.append(first_div)
    stats_txt = fmt_stats(
        (what, s)
        for what, s in (("slow", slow_stat), ("fast", fast_stat), ("imprecise", imprecise_stat))
        if s is not None
    )
    against_best = (
        f"; early loss α = {num(big, 6)} over the best α = {num(best, 6)}: "
        f"{sig(float(_ratio(at[big]['early'], at[best]['early']).median()))} (median)"
        if big is not None
        else ""
    )
    jit = against_best + (
        f"; last-quarter oscillation (mean |Δ log10 loss|) α = {num(big, 6)}: "
        f"{sig(real(med.at[big, 'jitter']))} vs α = {num(best, 6)}: "
        f"{sig(real(med.at[best, 'jitter']))}"
        if big is not None
        else ""
    )
    measured = (
        f"{stats_txt + '; ' if stats_txt else ''}median final loss (last-quarter mean, "
        f"{n_seeds} seeds; a diverged seed counts as ∞): "
        + "; ".join(final_of(lr) for lr in dict.fromkeys(shown))
        + jit
    )
    any_fail = sorted(float(lr) for lr in med.index if _failed(status, lr)[0])
    first_any = any_fail[0] if any_fail else None
    if first_any is None:
        edge = f"no run diverged at any α up to {num(float(med.index.max()), 6)}"
    else:
        k, n = _failed(status, first_any)
        edge = f"the first diverged runs are at α = {num(first_any, 6)} ({k} of {n} seeds)"
        if first_div is not None and first_div != first_any:
            k, n = _failed(status, first_div)
            edge += f", and from α = {num(first_div, 6)} half or more diverge ({k} of {n})"
        elif first_div is not None:
            edge += ", half or more"
    n_between = sum(1 for lr in med.index if best < lr < (first_div or math.inf))
    lie = "lies" if n_between == 1 else "lie"
    between = (
        f"{n_between} α of the grid {lie} between the best α and α = {num(first_div, 6)}"
        if first_div is not None
        else f"{n_between} α of the grid {lie} above the best α"
    )
    ge1 = [float(lr) for lr in med.index if lr >= 1]
    if ge1:
        runs = "; ".join(
            "α = {}: {} of {} seeds diverged".format(num(lr, 6), *_failed(status, lr)) for lr in ge1
        )
        unit_txt = f"Here, at α ≥ 1: {runs}."
    else:
        unit_txt = "No α ≥ 1 was run here."
    return result(
        tree,
        measured=measured,
        expected="a small α slow; a large α fast but imprecise",
        tolerance=f"early loss = loss at step {early_step} of {last_step} (the first "
        f"evaluation after {pct(EARLY_FRACTION)} of training), final loss = mean over the "
        f"last quarter; slow: smallest α's early loss / best α's > {num(SLOW_RATIO)}; for the "
        f"largest α above the best that converged in most seeds, fast: early loss / the "
        f"smallest α's < {num(FAST_RATIO)} and imprecise: final loss / best α's > "
        f"{num(IMPRECISE_RATIO)}; "
        f"medians of per-seed ratios with {CI} bootstrap over seeds; the best α is the one "
        "with the lowest median final loss",
        evidence="A ReLU MLP at He init trained on digits with plain mini-batch SGD at log-spaced "
        "learning rates, denser near where runs start to diverge, the same seeds and batch "
        "order at every α; training loss every few steps. "
        + diverged_text(status, "runs")
        + " (a diverged run has not converged: its losses are ∞ from then on).",
        figures=["study_lr_sweep"],
        tables=[LR_SWEEP],
        note=f"Best final loss at α = {num(best, 6)}; {edge}; {between}. The article's 'α between "
        "0 and 1' describes usual practice, not "
        f"a bound: whether a step is large depends on the loss surface, not on 1. {unit_txt} "
        "It also speaks of the step size as if it were the number of iterations.",
        values={
            "best_lr": best,
            "largest_converging_lr": big if big is not None else math.nan,
            "first_diverging_lr": first_div if first_div is not None else math.nan,
        },
        diverged=diverged_of(status),
    )
