"""Checks of source D's experiment (D3, D4, D6) against results/studies/source_d/."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .registry import ClaimResult, MissingResult, Results, check, sig, spread

# ---- tolerances, fixed before the run ----------------------------------------
# The tutorial's tail bound for the first layer at the first iteration.
TUTORIAL_TAIL = 0.025
# A property "holds" for a setup when it holds in at least this fraction of seeds:
# one unlucky draw of a 10-seed ensemble should not flip a verdict, two should.
SEED_MAJORITY = 0.8
# D4: the first layer counts as "no longer markedly narrower" than the other hidden
# layers when its sd is above this fraction of theirs (median over seeds).
FLAT_PROFILE = 0.7
# D6: TensorFlow's truncated_normal redraws beyond 2σ; float32 rounding allowance.
TRUNCATION = 2.0
FLOAT32_SLACK = 1e-6
# Mass of N(0, 1) beyond ±2: 4.55 %; the measured fraction over ≥ 4,000 weights per
# layer must agree within one percentage point (≈ 3 binomial sd at that size).
NORMAL_BEYOND_2 = math.erfc(2 / math.sqrt(2))
BEYOND_2_TOL = 0.01
# D6: a truncation effect on log10(first/last) counts when the paired mean difference
# exceeds two standard errors over seeds.
EFFECT_SE = 2.0

STATS = "source_d.stats"
VARIANTS = "source_d.variants"
WEIGHTS = "source_d.weights"
META = "source_d.meta"
FIGURES = ["source_d_gradient_histograms", "source_d_tails"]


def _per_seed(stats: pd.DataFrame, init: str, step: int, batch: str, col: str) -> pd.DataFrame:
    """seed × layer table of one statistic."""
    sel = stats[(stats["init"] == init) & (stats["step"] == step) & (stats["batch"] == batch)]
    if sel.empty:
        raise MissingResult(f"no {init} rows at step {step} in {STATS}")
    return sel.pivot(index="seed", columns="layer", values=col).sort_index()


def _widening(std: pd.DataFrame, depth: int) -> np.ndarray:
    """Per seed: does the sd of the gradient entries grow with every hidden layer?"""
    hidden = std[[layer for layer in std.columns if layer <= depth]].to_numpy()
    return np.all(np.diff(hidden, axis=1) > 0, axis=1)


def _tails_hold(abs_max: pd.Series) -> bool:
    return float((abs_max < TUTORIAL_TAIL).mean()) >= SEED_MAJORITY


@check("D3")
def check_d3_step0_histograms(r: Results) -> ClaimResult:
    stats, meta = r.table(STATS), r.json(META)
    depth = int(meta["depth"])
    std = _per_seed(stats, "normal", 0, "minibatch", "std")
    amax = _per_seed(stats, "normal", 0, "minibatch", "abs_max")[1]
    q999 = _per_seed(stats, "normal", 0, "minibatch", "abs_q999")[1]
    widen = _widening(std, depth)
    widen_ok = float(widen.mean()) >= SEED_MAJORITY
    main_ok = _tails_hold(amax)

    var = r.table(VARIANTS)
    first = var[(var["init"] == "normal") & (var["layer"] == 1)]
    held, failed = [], []
    for (inputs, n_in, width), g in first.groupby(["inputs", "n_in", "width"]):
        (held if _tails_hold(g["abs_max"]) else failed).append(
            f"{inputs} ({n_in} in) × {width}: {spread(g['abs_max'])}"
        )
    if not widen_ok:
        verdict = "refuted"
    elif main_ok and not failed:
        verdict = "supported"
    else:
        verdict = "qualified"
    profile = ", ".join(sig(float(std[layer].median())) for layer in std.columns)
    note = (
        "The widening towards the output reproduces. The ±0.025 figure is not a property of "
        "the N(0, 1)-sigmoid net alone: the first layer's step-0 tail grows with the hidden "
        "width and changes with the input scaling (the minibatch size, not varied here, also "
        "enters). "
        f"First-layer max|g| at step 0 (inputs × width), within ±0.025 in ≥ "
        f"{SEED_MAJORITY:.0%} of seeds: "
        + ("; ".join(held) if held else "none of our setups")
        + ". Beyond it: "
        + ("; ".join(failed) if failed else "none")
        + ". The tutorial used MNIST (784 inputs) with an unknown width, so its number can "
        "only be matched by choosing a setup, not checked."
    )
    return ClaimResult(
        verdict,
        measured=(
            f"step 0, plain normal, {meta['width']}-wide, digits ({meta['n_in']} inputs), "
            f"batch {meta['batch_size']}: layer 1 max|g| = {spread(amax)}, 99.9 % quantile "
            f"of |g| = {spread(q999)}; median sd of g per layer (1 → output) = {profile}; "
            f"sd grows layer to layer over the hidden layers in {int(widen.sum())}/{len(widen)} "
            "seeds"
        ),
        expected="first-layer |g| < 0.025 everywhere; spread growing towards the output",
        tolerance=(
            f"widening in ≥ {SEED_MAJORITY:.0%} of seeds, else refuted; supported only if "
            f"max|g₁| < {TUTORIAL_TAIL} in ≥ {SEED_MAJORITY:.0%} of seeds in the main setup and "
            "in every input × width variant, qualified otherwise"
        ),
        evidence=(
            f"A {depth}-hidden-layer sigmoid net with N(0, 1) weights on scikit-learn digits "
            f"(not MNIST), {len(amax)} seeds: every entry of ∂L/∂W_l on the first minibatch, "
            "and the first layer's tail for 3 input scalings × several widths."
        ),
        figures=FIGURES,
        tables=[STATS, VARIANTS],
        note=note,
        values={
            "first_abs_max_mean": float(amax.mean()),
            "first_q999_mean": float(q999.mean()),
            "widening_fraction": float(widen.mean()),
            "tail_fraction_main": float((amax < TUTORIAL_TAIL).mean()),
            "variants_within": float(len(held)),
            "variants_beyond": float(len(failed)),
        },
    )


@check("D4")
def check_d4_after_training(r: Results) -> ClaimResult:
    stats, meta = r.table(STATS), r.json(META)
    depth, last = int(meta["depth"]), int(stats["step"].max())
    s0 = _per_seed(stats, "normal", 0, "minibatch", "std")
    sn = _per_seed(stats, "normal", last, "minibatch", "std")
    ratio = sn / s0
    loss0 = _per_seed(stats, "normal", 0, "full", "train_loss")[1]
    lossn = _per_seed(stats, "normal", last, "full", "train_loss")[1]
    loss_falls = bool((lossn < loss0).all())
    first_ok = float((ratio[1] <= 1).mean()) >= SEED_MAJORITY
    others = [layer for layer in ratio.columns if layer > 1]
    narrowed = [layer for layer in others if float((ratio[layer] < 1).mean()) >= SEED_MAJORITY]
    if loss_falls and first_ok and len(narrowed) == len(others):
        verdict = "supported"
    elif not first_ok or not narrowed:
        verdict = "refuted"
    else:
        verdict = "qualified"
    # Where the first layer sits among the hidden layers before and after training.
    hidden = [layer for layer in others if layer <= depth]
    rel0 = s0[1] / s0[hidden].median(axis=1)
    reln = sn[1] / sn[hidden].median(axis=1)
    ratios = "; ".join(f"layer {layer}: {spread(ratio[layer])}" for layer in ratio.columns)
    return ClaimResult(
        verdict,
        measured=(
            f"after {last} SGD steps the training loss fell from {spread(loss0)} to "
            f"{spread(lossn)}; sd of the minibatch gradient, step {last} / step 0: {ratios}"
        ),
        expected="loss falls; layer 1 stays near zero (does not widen); every other layer narrows",
        tolerance=(
            f"each ratio below 1 (layer 1: at most 1) in ≥ {SEED_MAJORITY:.0%} of seeds and the "
            "loss lower in every seed; refuted if layer 1 widens or no other layer narrows"
        ),
        evidence=(
            f"The D3 nets trained with plain SGD (lr {meta['lr']}, batch {meta['batch_size']}) "
            f"for {last} steps; per-layer spread of ∂L/∂W on the minibatch at step 0 and after."
        ),
        figures=FIGURES,
        tables=[STATS],
        note=(
            "The layers do not narrow by the same factor: the first layer's sd relative to "
            "the median of the other hidden layers goes from "
            f"{spread(rel0)} at step 0 to {spread(reln)} after training"
            + (
                ", so after training the first layer is no longer markedly narrower than its "
                "neighbours: it stays near zero in absolute terms, but the vanishing profile "
                "of step 0 has largely flattened."
                if float(reln.median()) > FLAT_PROFILE
                else ", so the first layer stays the narrowest, as the tutorial describes."
            )
        ),
        values={
            "loss_start": float(loss0.mean()),
            "loss_end": float(lossn.mean()),
            "first_ratio": float(ratio[1].median()),
            "first_relative_start": float(rel0.median()),
            "first_relative_end": float(reln.median()),
            "layers_narrowed": float(len(narrowed)),
        },
    )


def _log10_ratio(stats: pd.DataFrame, init: str) -> pd.Series:
    """log10(‖∂L/∂W_1‖ / ‖∂L/∂W_out‖) per seed at step 0, full training set."""
    norm = _per_seed(stats, init, 0, "full", "norm")
    return np.log10(norm[norm.columns.min()] / norm[norm.columns.max()])


@check("D6")
def check_d6_truncated_normal(r: Results) -> ClaimResult:
    w, stats = r.table(WEIGHTS), r.table(STATS)
    trunc, plain = w[w["init"] == "truncated_normal"], w[w["init"] == "normal"]
    t_max = float(trunc["max_abs_w"].max())
    beyond = plain.groupby("seed")["frac_beyond_2sd"].mean()
    plain_max = plain.groupby("seed")["max_abs_w"].max()
    ok = (
        t_max <= TRUNCATION + FLOAT32_SLACK
        and abs(float(beyond.mean()) - NORMAL_BEYOND_2) <= BEYOND_2_TOL
        and float(plain_max.min()) > TRUNCATION
    )
    r_plain, r_trunc = _log10_ratio(stats, "normal"), _log10_ratio(stats, "truncated_normal")
    diff = (r_trunc - r_plain).dropna()
    se = float(diff.std(ddof=1) / math.sqrt(len(diff))) if len(diff) > 1 else math.inf
    matters = abs(float(diff.mean())) > EFFECT_SE * se
    effect = f"changes log10(first/last) by {spread(diff)} decades (paired by seed)" + (
        ", beyond two standard errors" if matters else ", within two standard errors"
    )
    return ClaimResult(
        "supported" if ok else "refuted",
        measured=(
            f"truncated normal: max|w| = {t_max:.5f} over all seeds and layers; plain "
            f"normal: {spread(100 * beyond)} % of weights beyond ±2, per-seed max|w| "
            f"{spread(plain_max)}"
        ),
        expected=f"truncated ≤ 2 (its 2σ); plain normal {100 * NORMAL_BEYOND_2:.2f} % beyond ±2",
        tolerance=(
            f"max ≤ {TRUNCATION} + {FLOAT32_SLACK:g}; beyond-2 fraction within "
            f"{100 * BEYOND_2_TOL:g} percentage point of {100 * NORMAL_BEYOND_2:.2f} %"
        ),
        evidence=(
            "Initial weights of the D3 nets under both inits, and the first/last weight-gradient "
            "norm ratio at step 0 on the full training set."
        ),
        figures=FIGURES,
        tables=[WEIGHTS, STATS],
        note=(
            f"Truncation (which also lowers the sd to {sig(float(trunc['std_w'].mean()))}) "
            f"{effect}: log10(first/last) is {spread(r_plain)} with plain and {spread(r_trunc)} "
            "with truncated normal. "
            + (
                "So the truncation measurably shifts this net's gradient profile."
                if matters
                else "So the switch from truncated to plain normal is not what sets this net's "
                "gradient profile; the guarantee about samples is real but beside the point here."
            )
        ),
        values={
            "truncated_max_abs": t_max,
            "plain_beyond_2": float(beyond.mean()),
            "ratio_plain": float(r_plain.mean()),
            "ratio_truncated": float(r_trunc.mean()),
            "ratio_diff": float(diff.mean()),
        },
    )
