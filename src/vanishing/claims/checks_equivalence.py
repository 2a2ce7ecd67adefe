"""Checks of the tanh(n·x) ≡ rescaled tanh(x) thread (A14, A15) against
results/studies/equivalence/."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .registry import ClaimResult, MissingResult, Results, check, sig, spread

# ---- tolerances, fixed before the run ----------------------------------------
# Same function: float64 round-off through a few layers (ε ≈ 2.2e-16 times a few
# hundred operations) stays orders of magnitude below this; any real mismatch is O(1).
SAME_OUTPUT_REL = 1e-12
# Trajectories "coincide" when the loss never differs by more than this over the run:
# round-off grows slowly along a trajectory, a different trajectory differs by O(0.1).
COINCIDE = 1e-9
# ... and "differ" when the largest loss difference exceeds this (well above round-off,
# well below the differences a changed learning rate makes within a few steps).
DIFFER = 1e-3

OUTPUTS = "equivalence.outputs"
SUMMARY = "equivalence.summary"
FIGURES = ["equivalence_loss_curves", "equivalence_loss_gap"]


@check("A14")
def check_a14_same_function(r: Results) -> ClaimResult:
    out = r.table(OUTPUTS)
    hidden = out[out["scaled"] == "hidden"]
    every = out[(out["scaled"] == "all") & (out["n"] != 1)]
    worst = float(hidden["rel_diff"].max())
    ok = worst <= SAME_OUTPUT_REL
    ns = ", ".join(f"{n:g}" for n in sorted(hidden["n"].unique()))
    control = (
        f"scaling the output layer too gives a relative difference of {spread(every['rel_diff'])}"
        if len(every)
        else "no n ≠ 1 was run for the all-layers control"
    )
    return ClaimResult(
        "supported" if ok else "refuted",
        measured=(
            f"largest relative logit difference, tanh(n·x) with θ vs tanh(x) with hidden W, b × n: "
            f"{sig(worst)} (n ∈ {{{ns}}}, {hidden['seed'].nunique()} seeds each)"
        ),
        expected="identical outputs up to float64 round-off",
        tolerance=f"max |Δlogit| / max |logit| ≤ {SAME_OUTPUT_REL:g}",
        evidence=(
            "Test-set logits of float64 nets with random non-zero biases, tanh(n·x) and "
            "parameters θ against tanh(x) with every hidden-layer weight and bias multiplied by n."
        ),
        figures=[],
        tables=[OUTPUTS],
        note=(
            "Imprecise as stated: only the weights and biases that feed a tanh are scaled; the "
            f"output layer reads tanh outputs and must be left alone ({control}). And 'only "
            "the initialisation changes' holds for the function class, not for training: the "
            "learning rate must be remapped too (A15)."
        ),
        values={"max_rel_diff": worst},
    )


def _gap(summary: pd.DataFrame, optimizer: str | list[str], mapping: str) -> pd.Series:
    opts = [optimizer] if isinstance(optimizer, str) else optimizer
    sel = summary[summary["optimizer"].isin(opts) & (summary["mapping"] == mapping)]
    return sel.set_index(["optimizer", "n", "seed"])["max_abs_loss_diff"]


@check("A15")
def check_a15_trajectories(r: Results) -> ClaimResult:
    s = r.table(SUMMARY)
    gd_like = [o for o in ("gd", "sgd") if o in set(s["optimizer"])]
    if not gd_like:
        raise MissingResult("no GD/SGD trajectories in studies/equivalence/summary.csv")
    big = s[s["n"] > 1]
    same = _gap(big, gd_like, "same_lr")
    by_n = _gap(big, gd_like, "lr_x_n")
    exact = _gap(s, gd_like, "exact")
    all_n2 = _gap(big, gd_like, "lr_x_n2")
    if same.empty or by_n.empty:
        raise MissingResult("no n > 1 trajectories in studies/equivalence/summary.csv")
    tuyen_ok = bool((same > DIFFER).all() and (by_n > DIFFER).all())
    exact_ok = bool((exact <= COINCIDE).all())
    tuyen_wrong = bool((same <= COINCIDE).any() or (by_n <= COINCIDE).any())
    if tuyen_ok and exact_ok:
        verdict = "supported"
    elif tuyen_wrong:
        verdict = "refuted"
    else:
        verdict = "qualified"

    adam = s[s["optimizer"] == "adam"]
    adam_text, adam_values = "", {}
    if not adam.empty:
        a_exact = _gap(adam, "adam", "exact")
        a_aside = _gap(adam[adam["n"] > 1], "adam", "exact_eps_aside")
        a_by_n = _gap(adam[adam["n"] > 1], "adam", "lr_x_n")
        adam_text = (
            f" Adam: the scaled parameters need lr × n and ε / n (output layer unchanged); "
            f"max |Δloss| {sig(float(a_exact.max()))} "
            f"({'coincide' if (a_exact <= COINCIDE).all() else 'do not coincide'}); with ε left "
            f"alone {spread(a_aside)}; lr × n on every layer {spread(a_by_n)}."
        )
        adam_values = {
            "adam_exact_max": float(a_exact.max()),
            "adam_eps_aside_max": float(a_aside.max()) if len(a_aside) else np.nan,
        }
    n_seeds = s["seed"].nunique()
    return ClaimResult(
        verdict,
        measured=(
            f"{'/'.join(gd_like)}, n > 1, largest |Δloss| over the run: same lr {spread(same)}; "
            f"lr × n {spread(by_n)}; derived mapping (u₀ = n·θ₀ on hidden layers, their lr × n², "
            f"output lr unchanged) {sig(float(exact.max()))} (max over n and {n_seeds} seeds)"
        ),
        expected="same lr and lr × n both leave the trajectories apart",
        tolerance=(
            f"'apart' = max |Δloss| > {DIFFER:g} in every seed; 'coincide' = ≤ {COINCIDE:g}; "
            "supported when both hold apart and the derived mapping coincides"
        ),
        evidence=(
            "A tanh(n·x) net (n ∈ {1, 2, 3}) and a tanh(x) net started at the corresponding "
            "parameters, trained side by side on identical digits batches under several "
            "learning-rate mappings; the loss of both compared at every step."
        ),
        figures=FIGURES,
        tables=[SUMMARY],
        note=(
            "Right as far as it goes, but the trajectories are not intrinsically different: "
            "since ∇_θ L = n·∇_u L for u = n·θ, a GD step of size η in θ is a step of η·n² in "
            "u, so the learning rate must be scaled by n², not n, and only on the parameters "
            "that feed a tanh (the thread's f(n·α) rescales every parameter, which a real net's "
            "output layer does not need). With that mapping the runs "
            + ("agree to round-off" if exact_ok else "still differ (unexpected)")
            + f"; lr × n² on every layer instead gives max |Δloss| {spread(all_n2)}."
            + adam_text
        ),
        values={
            "same_lr_min": float(same.min()),
            "lr_x_n_min": float(by_n.min()),
            "exact_max": float(exact.max()),
            **adam_values,
        },
    )
