"""Checks of source D's experiment (D3, D4, D6) against results/studies/source_d/.

Seeds are the runs: each statistic is a median over seeds with a 95 % bootstrap
interval over seeds (D6's construction checks are exact)."""

from __future__ import annotations

import math
from typing import TypeVar, cast

import numpy as np
import pandas as pd

from ..machinery.labels import interval, num, pct
from .registry import ClaimResult, MissingResult, Results, check, result
from .stats import (
    FINITE,
    condition,
    diverged_of,
    diverged_text,
    exact,
    over_runs,
    real,
    sig,
    spread,
    wilson,
    with_interval,
)
from .verdict import CI, across, all_of, by_form, part

# ---- tolerances, fixed before the run ----------------------------------------
# The tutorial's tail bound for the first layer at the first iteration.
TUTORIAL_TAIL = 0.025
# The tutorial trained on MNIST: input scalings of that kind are D3's scope.
TUTORIAL_INPUTS = ("mnist_like",)
# D6: TensorFlow's truncated_normal redraws beyond 2σ; float32 rounding allowance.
TRUNCATION = 2.0
FLOAT32_SLACK = 1e-6
# Mass of N(0, 1) beyond ±2, and how close the measured share must be (one point).
NORMAL_BEYOND_2 = math.erfc(2 / math.sqrt(2))
BEYOND_2_TOL = 0.01

STATS, VARIANTS = "source_d.stats", "source_d.variants"
WEIGHTS, META = "source_d.weights", "source_d.meta"
FIGURES = ["source_d_gradient_histograms", "source_d_tails"]


def _per_seed(stats: pd.DataFrame, init: str, step: int, batch: str, col: str) -> pd.DataFrame:
    """seed × layer table of one statistic."""
    sel = stats[(stats["init"] == init) & (stats["step"] == step) & (stats["batch"] == batch)]
    if sel.empty:
        raise MissingResult(f"no {init} rows at step {step} in {STATS}")
    return sel.pivot(index="seed", columns="layer", values=col).sort_index()


def _status(stats: pd.DataFrame) -> pd.Series:
    last = stats[(stats["step"] == stats["step"].max()) & (stats["batch"] == "full")]
    ok = last.groupby(["init", "seed"])["train_loss"].apply(lambda v: np.isfinite(v).all())
    return ok.map({True: FINITE, False: "diverged"})


_Values = TypeVar("_Values", np.ndarray, pd.Series, pd.DataFrame)


def _log_ratio(a: _Values, b: _Values) -> _Values:
    with np.errstate(divide="ignore", invalid="ignore"):
        # a ufunc keeps pandas' type (numpy's stubs say an array)
        return cast(_Values, np.log10(a / b))


@check("D3")
def check_d3_step0_histograms(r: Results) -> ClaimResult:
    stats, meta = r.table(STATS), r.json(META)
    depth = int(meta["depth"])
    std = _per_seed(stats, "normal", 0, "minibatch", "std")
    amax = _per_seed(stats, "normal", 0, "minibatch", "abs_max")[1]
    hidden = [layer for layer in std.columns if real(layer) <= depth]
    steps = _log_ratio(std[hidden].iloc[:, 1:].to_numpy(), std[hidden].iloc[:, :-1].to_numpy())
    widen = pd.Series(np.min(steps, axis=1), index=std.index)
    # Each set-up is counted once: the main one, then every input scaling × width of the
    # variants table except the one that repeats it. The tutorial trained on MNIST, so
    # set-ups with MNIST-like inputs are its scope (every width: its width is unknown);
    # the digits scalings are reported as generalisation.
    main_inputs = str(meta.get("inputs", "standardised"))
    tails = [
        part(
            condition(inputs=main_inputs, width=int(meta["width"])),
            over_runs(
                "median over seeds of the first layer's max |∂L/∂W| at step 0",
                amax,
                TUTORIAL_TAIL,
                "below",
                scale="log",
            ),
            in_scope=main_inputs in TUTORIAL_INPUTS,
        )
    ]
    var = r.table(VARIANTS)
    first = var[(var["init"] == "normal") & (var["layer"] == 1)]
    for (inputs, _n_in, width), g in first.groupby(["inputs", "n_in", "width"]):
        if (inputs, int(real(width))) == (main_inputs, int(meta["width"])):
            continue  # the main set-up, already counted
        tails.append(
            part(
                condition(inputs=inputs, width=int(real(width))),
                over_runs(
                    "median over seeds of the first layer's max |∂L/∂W| at step 0",
                    g["abs_max"],
                    TUTORIAL_TAIL,
                    "below",
                    scale="log",
                ),
                in_scope=inputs in TUTORIAL_INPUTS,
            )
        )
    tree = all_of(
        "D3",
        [
            # the tutorial's width is unknown: its observation holds if some set-up of its
            # kind (MNIST-like inputs, a width tried) reproduces it
            by_form(
                "existence", f"the first layer's tails stay inside ±{num(TUTORIAL_TAIL)}", tails
            ),
            part(
                "the spread widens towards the output",
                over_runs(
                    "median over seeds of the smallest layer-to-layer log10 sd ratio "
                    "(hidden layers)",
                    widen,
                    0.0,
                    "above",
                    strict=True,
                    unit=" decades",
                ),
            ),
        ],
    )
    profile = ", ".join(sig(float(std[layer].median())) for layer in std.columns)
    held = [t.name for t in tails if t.verdict == "supported"]
    beyond = [t.name for t in tails if t.verdict == "refuted"]
    n_scope = sum(t.in_scope for t in tails)
    status = _status(stats)
    return result(
        tree,
        measured=f"step 0, plain normal, {meta['width']}-wide, digits ({meta['n_in']} inputs), "
        f"batch {meta['batch_size']}: layer 1 max|g| = {spread(amax)}; median sd of g per layer "
        f"(1 → output) = {profile}; smallest layer-to-layer log10 sd ratio {spread(widen)}",
        expected=f"first-layer |g| < {num(TUTORIAL_TAIL)} in the tutorial's set-up; spread growing "
        "towards the output",
        tolerance=f"per set-up: median max|g₁| below {num(TUTORIAL_TAIL)}; widening: median over "
        f"seeds of the smallest log10 sd ratio between consecutive hidden layers above 0; {CI} "
        f"bootstrap over seeds; each set-up counted once; the {n_scope} set-ups with MNIST-like "
        "inputs (the tutorial's data, any width) are the scope, the digits scalings "
        "generalisation; the tutorial's width is unknown, so the tail is an existence claim "
        "over those set-ups (one clear case supports it; set-ups beyond it do not refute it)",
        evidence=f"A {depth}-hidden-layer sigmoid net with N(0, 1) weights on scikit-learn digits "
        f"(not MNIST), {num(len(amax))} seeds: every entry of ∂L/∂W_l on the first minibatch, "
        "and the "
        "first layer's tail for several input scalings × widths. " + diverged_text(status, "runs"),
        figures=FIGURES,
        tables=[STATS, VARIANTS],
        note=f"Clearly within ±{num(TUTORIAL_TAIL)}: {'; '.join(held) or 'none'}; clearly beyond: "
        f"{'; '.join(beyond) or 'none'}. The bound is not a property of the N(0, 1)-sigmoid net "
        "alone: the first layer's step-0 tail grows with the hidden width and changes with the "
        "input scaling (and the minibatch size). The tutorial used MNIST at a width it does not "
        "give, so the check asks whether a set-up of its kind reproduces the number.",
        values={
            "first_abs_max_median": float(amax.median()),
            "widening_median": float(widen.median()),
        },
        diverged=diverged_of(status),
    )


@check("D4")
def check_d4_after_training(r: Results) -> ClaimResult:
    stats, meta = r.table(STATS), r.json(META)
    depth, last = int(meta["depth"]), int(stats["step"].max())
    s0 = _per_seed(stats, "normal", 0, "minibatch", "std")
    sn = _per_seed(stats, "normal", last, "minibatch", "std")
    ratio = _log_ratio(sn, s0)
    loss0 = _per_seed(stats, "normal", 0, "full", "train_loss")[1]
    lossn = _per_seed(stats, "normal", last, "full", "train_loss")[1]
    status = _status(stats)
    ok = status.xs("normal", level="init").reindex(lossn.index) == FINITE
    # a diverged run's loss did not fall and its gradients did not narrow: +∞
    fall = _log_ratio(lossn, loss0).where(ok, np.inf)
    ratio = ratio.where(ok, np.inf, axis=0)
    others = [layer for layer in ratio.columns if real(layer) > 1]
    tree = all_of(
        "D4",
        [
            part(
                "the loss falls",
                over_runs(
                    "median log10 final/initial training loss",
                    fall,
                    0.0,
                    "below",
                    strict=True,
                    unit=" decades",
                ),
            ),
            part(
                "layer 1 stays near zero (does not widen)",
                over_runs(
                    "median log10 sd ratio, layer 1, end over start",
                    ratio[1],
                    0.0,
                    "below",
                    unit=" decades",
                ),
            ),
            across(
                "the other layers narrow",
                [
                    part(
                        f"layer {layer}",
                        over_runs(
                            f"median log10 sd ratio, layer {layer}, end over start",
                            ratio[layer],
                            0.0,
                            "below",
                            strict=True,
                            unit=" decades",
                        ),
                    )
                    for layer in others
                ],
            ),
        ],
    )
    hidden = [layer for layer in others if real(layer) <= depth]
    rel0 = s0[1] / s0[hidden].median(axis=1)
    reln = sn[1] / sn[hidden].median(axis=1)
    return result(
        tree,
        measured=f"after {last} SGD steps the training loss went from {spread(loss0)} to "
        f"{spread(lossn)}; log10 sd of the minibatch gradient, step {last} over step 0: "
        + "; ".join(f"layer {layer}: {spread(ratio[layer])}" for layer in ratio.columns),
        expected="loss falls; layer 1 stays near zero (does not widen); every other layer narrows",
        tolerance=f"median over seeds of each log10 ratio below 0 (layer 1: at most 0), {CI} "
        "bootstrap over seeds; every part must hold",
        evidence=f"The D3 nets trained with plain SGD (lr {meta['lr']}, batch "
        f"{meta['batch_size']}) "
        f"for {last} steps; per-layer spread of ∂L/∂W on the minibatch at step 0 and after. "
        + diverged_text(status, "runs"),
        figures=FIGURES,
        tables=[STATS],
        note="The layers do not narrow by the same factor: the first layer's sd relative to the "
        f"median of the other hidden layers goes from {spread(rel0)} at step 0 to {spread(reln)} "
        "after training.",
        values={
            "first_relative_start": float(rel0.median()),
            "first_relative_end": float(reln.median()),
        },
        diverged=diverged_of(status),
    )


def _abs_dev_interval(lo: float, hi: float, e: float) -> tuple[float, float]:
    """Interval of |p − e| from an interval [lo, hi] of p."""
    if lo <= e <= hi:
        return 0.0, max(e - lo, hi - e)
    return min(abs(lo - e), abs(hi - e)), max(abs(lo - e), abs(hi - e))


@check("D6")
def check_d6_truncated_normal(r: Results) -> ClaimResult:
    w, stats = r.table(WEIGHTS), r.table(STATS)
    trunc, plain = w[w["init"] == "truncated_normal"], w[w["init"] == "normal"]
    t_max = float(trunc["max_abs_w"].max())
    k = float((plain["frac_beyond_2sd"] * plain["n_weights"]).round().sum())
    n = float(plain["n_weights"].sum())
    lo, hi = _abs_dev_interval(*wilson(k, n), NORMAL_BEYOND_2)
    plain_max = plain.groupby("seed")["max_abs_w"].max()
    tree = all_of(
        "D6",
        [
            part(
                "truncated normal stays within 2σ",
                exact(
                    "largest |w| under truncated normal", t_max, TRUNCATION + FLOAT32_SLACK, "below"
                ),
            ),
            part(
                "plain normal has the normal law's tails",
                with_interval(
                    "|share of plain-normal weights beyond ±2 − the normal law's|",
                    abs(k / n - NORMAL_BEYOND_2),
                    lo,
                    hi,
                    f"Wilson {CI} over {num(int(n))} weights",
                    BEYOND_2_TOL,
                    "below",
                ),
            ),
            part(
                "so it gives no such guarantee",
                exact(
                    "smallest per-seed max |w| under plain normal",
                    float(plain_max.min()),
                    TRUNCATION,
                    "above",
                    strict=True,
                ),
            ),
        ],
    )
    r_plain = _log_ratio(
        _per_seed(stats, "normal", 0, "full", "norm").iloc[:, 0],
        _per_seed(stats, "normal", 0, "full", "norm").iloc[:, -1],
    )
    r_trunc = _log_ratio(
        _per_seed(stats, "truncated_normal", 0, "full", "norm").iloc[:, 0],
        _per_seed(stats, "truncated_normal", 0, "full", "norm").iloc[:, -1],
    )
    diff = (r_trunc - r_plain).dropna()
    eff = over_runs("mean paired change of log10 first/last", diff, 0.0, "above", how="mean")
    return result(
        tree,
        measured=f"truncated normal: max|w| = {num(t_max, 6)} over all seeds and layers; plain "
        f"normal: {sig(100 * k / n)} % of {num(int(n))} weights beyond ±2 (the normal law: "
        f"{pct(NORMAL_BEYOND_2)}), per-seed max|w| {spread(plain_max)}",
        expected=f"truncated ≤ 2 (its 2σ); plain normal {pct(NORMAL_BEYOND_2)} beyond ±2",
        tolerance=f"max ≤ {num(TRUNCATION)} + {num(FLOAT32_SLACK)}; beyond-2 share within "
        f"{num(100 * BEYOND_2_TOL, 6)} percentage point of the normal law's (Wilson {CI}); "
        "plain max > "
        f"{num(TRUNCATION)}",
        evidence="Initial weights of the D3 nets under both inits, and the first/last "
        "weight-gradient norm ratio at step 0 on the full training set.",
        figures=FIGURES,
        tables=[WEIGHTS, STATS],
        note="Holds by construction: the project's truncated sampler redraws beyond 2σ, so its "
        "bound holds by design and plain normal's tail is the normal law's; this is a check of "
        "the implementation, not measured support. Whether it matters: truncation (which also "
        f"lowers the sd to {sig(float(trunc['std_w'].mean()))}) changes log10(first/last) by "
        f"{interval(eff.value, eff.lo, eff.hi)} decades (paired by seed; "
        f"{spread(r_plain)} plain, {spread(r_trunc)} truncated).",
        values={"truncated_max_abs": t_max, "plain_beyond_2": k / n, "ratio_diff": eff.value},
    )
