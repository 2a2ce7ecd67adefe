"""Checks of the sparsity study (studies/sparsity) with the probe grid's zero shares
at init: B3 (half the ReLU outputs are zero; an L1 penalty raises that) and B4
(softplus has no exact zeros; hard zeros can help)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..machinery.labels import label, num
from .registry import ClaimResult, Results, check, not_tested, result
from .stats import (
    FINITE,
    boot,
    condition,
    count_diverged,
    diverged_of,
    diverged_text,
    exact,
    names,
    over_runs,
    sig,
    spread,
    with_interval,
)
from .verdict import CI, across, all_of, by_form, part

SPARSITY, GRID = "sparsity.runs", "probe.grid"

# ---- tolerances, fixed before the run ----------------------------------------
# B3: the sign of a zero-mean symmetric pre-activation is a fair coin, so half of the
# ReLU outputs are 0; ±0.05 leaves room for the correlations depth builds up.
HALF, HALF_TOL = 0.5, 0.05
# Glorot-style "uniform" inits in the probe grid (U[±1/√n] and the normalised one).
UNIFORM_INITS = ("glorot_standard", "xavier")
# B3: an L1 penalty "raises" sparsity when the zero share grows by at least 5 points
# (far beyond the seed-to-seed sd of ~0.01 seen at λ = 0).
L1_RAISE = 0.05
# B4: softplus "loses exact sparsity": at most 1 output in 1,000 exactly zero, against
# ReLU's half. softplus is positive everywhere, but float32 rounds it to 0 below
# x ≈ −104, which an SGD run with growing pre-activations can reach: a few such zeros
# are round-off, not sparsity.
SOFTPLUS_ZERO_MAX = 1e-3
# B4: hard zeros "do no harm" when ReLU's test accuracy is at most one point below
# softplus's (about the seed-to-seed sd of a digits MLP's accuracy).
NO_HARM = 0.01


SETTING = ["optimizer", "depth"]


def _settings(df: pd.DataFrame) -> pd.DataFrame:
    """The runs with their setting columns (tables written before B4's extra settings
    had one setting and no such columns)."""
    if "optimizer" in df:
        return df
    return df.assign(optimizer="adam", depth=0)


def _main(df: pd.DataFrame) -> pd.DataFrame:
    """The main setting's runs: the one trained with every λ (B3's)."""
    df = _settings(df)
    main = df.groupby(SETTING)["l1"].nunique().idxmax()
    return df[(df[SETTING] == pd.Series(main, index=SETTING)).all(axis=1)]


def _train_status(df: pd.DataFrame) -> pd.Series:
    final = _settings(df)
    final = final[final["phase"] == "final"]
    ok = np.isfinite(final["train_loss"].astype(float))
    return pd.Series(
        np.where(ok, FINITE, "diverged"),
        index=pd.MultiIndex.from_frame(final[["activation", "l1", *SETTING, "seed"]]),
    )


# Titles of the appendix tables that long lists of conditions go to.
SPARSE_HELPS = "Settings where ReLU is clearly better"
SPARSE_HURTS = "Settings where softplus is clearly better"


@check("B3")
def check_b3_half_zero(r: Results) -> ClaimResult:
    probe = r.table(GRID)
    relu = probe[(probe["activation"] == "relu") & probe["hidden"].astype(bool)]
    ok = relu["status"] == FINITE if "status" in relu else np.isfinite(relu["zero_frac"])
    per_net = relu[ok].groupby(["init", "depth", "seed"])["zero_frac"].mean().reset_index()
    half = []
    for init in [i for i in UNIFORM_INITS if i in set(per_net["init"])]:
        v = per_net[per_net["init"] == init]["zero_frac"].to_numpy()
        dev = float(abs(v.mean() - HALF))
        lo, hi = boot(v, lambda x: np.abs(x.mean(axis=-1) - HALF))
        half.append(
            part(
                condition(init=init),
                with_interval(
                    f"|mean exact-zero share − {num(HALF)}|, every depth",
                    dev,
                    lo,
                    hi,
                    f"{CI} bootstrap over {num(len(v))} networks",
                    HALF_TOL,
                    "below",
                    n=len(v),
                ),
            )
        )
    sp = _main(r.table(SPARSITY))
    rl = sp[(sp["activation"] == "relu") & (sp["phase"] == "final")]
    lam = rl["l1"].max()
    base = rl[rl["l1"] == 0].set_index("seed")["zero_frac"]
    pen = rl[rl["l1"] == lam].set_index("seed")["zero_frac"]
    rise = (pen - base).dropna()
    raise_part = part(
        "an L1 penalty raises it",
        over_runs(
            f"mean paired rise of the trained zero share, λ = {num(lam, 6)} over λ = 0",
            rise,
            L1_RAISE,
            "above",
            how="mean",
        ),
    )
    if not half:
        return not_tested(
            "no uniform init (glorot_standard, xavier) with ReLU in the probe grid",
            [GRID, SPARSITY],
        )
    tree = all_of("B3", [across("about half are zero after uniform init", half), raise_part])
    status = (
        relu.groupby(["init", "depth", "seed"])["status"].first()
        if "status" in relu
        else pd.Series(dtype=str)
    )
    other = per_net[~per_net["init"].isin(UNIFORM_INITS)].groupby("init")["zero_frac"].mean()
    uni = per_net[per_net["init"].isin(UNIFORM_INITS)]
    return result(
        tree,
        measured=f"exact-zero share of ReLU hidden outputs at init, uniform inits, all depths: "
        f"{spread(uni['zero_frac'])}; after training, λ = 0: {spread(base)}, λ = {num(lam, 6)}: "
        f"{spread(pen)} (paired rise {spread(rise)})",
        expected=f"≈ {num(HALF)} at init; higher with an L1 activation penalty",
        tolerance=f"|mean − {num(HALF)}| ≤ {num(HALF_TOL)} per uniform init ({CI} bootstrap over "
        f"networks); the penalty raises the trained share by ≥ {num(L1_RAISE)} (mean of paired "
        f"differences, {CI} bootstrap over seeds)",
        evidence="Zero share per hidden layer read from the probe (digits batch, zero biases, "
        "every depth); then ReLU MLPs trained with Adam with and without an L1 penalty on the "
        "hidden activations, zero share on the test split. "
        + (diverged_text(status, "probe networks") if len(status) else ""),
        figures=["study_sparsity"],
        tables=[GRID, SPARSITY],
        note="Other inits at init: "
        + ", ".join(f"{label(k, 'init')} {sig(v)}" for k, v in other.items())
        + ". The ½ comes from symmetric weights and zero biases, not from the uniform "
        "distribution as such; all-zero weights give 1 (every output exactly 0). Plain "
        f"training (λ = 0) moved the share to {sig(float(base.mean()))}.",
        values={"trained_zero_frac_l1_0": float(base.mean()), "l1_rise": float(rise.mean())},
        diverged=diverged_of(status) if len(status) else None,
    )


@check("B4")
def check_b4_softplus(r: Results) -> ClaimResult:
    sp = _settings(r.table(SPARSITY))
    status = _train_status(sp)
    soft = sp[sp["activation"] == "softplus"]
    if soft.empty or sp[(sp["activation"] == "relu") & (sp["l1"] == 0)].empty:
        return not_tested("the sparsity study has no softplus or no unpenalised ReLU", [SPARSITY])
    soft_zero = float(soft["zero_frac"].max())
    final = sp[(sp["phase"] == "final") & (sp["l1"] == 0)]
    conds, harm, lines = [], [], []
    for key, g in final.groupby(SETTING):
        name = condition(**dict(zip(SETTING, key, strict=True)))
        # the one divergence rule: a diverged run has a failed run's accuracy, 0
        acc = count_diverged(
            g.set_index(["activation", "seed"])["test_accuracy"],
            pd.Series(
                np.where(np.isfinite(g["train_loss"].astype(float)), FINITE, "diverged"),
                index=pd.MultiIndex.from_frame(g[["activation", "seed"]]),
            ),
            0.0,
        )
        acc_r, acc_s = acc.xs("relu"), acc.xs("softplus")
        diff = (acc_r - acc_s).dropna()
        conds.append(
            part(
                name,
                over_runs(
                    "mean paired test-accuracy difference ReLU − softplus",
                    diff,
                    0.0,
                    "above",
                    how="mean",
                    strict=True,
                ),
            )
        )
        # the quoted authors' hypothesis: hard zeros do no harm while gradient flows,
        # i.e. ReLU is not clearly worse than softplus by more than NO_HARM
        flows = float(g[g["activation"] == "relu"]["dead_frac"].max()) < 1.0
        harm.append(
            part(
                name,
                over_runs(
                    "mean paired test-accuracy difference ReLU − softplus",
                    diff,
                    -NO_HARM,
                    "above",
                    how="mean",
                ),
                in_scope=flows,
            )
        )
        lines.append(
            f"{name}: ReLU {spread(acc_r)}, softplus {spread(acc_s)}, paired difference "
            f"{spread(diff)}"
        )
    tree = all_of(
        "B4",
        [
            part(
                "softplus has no exact zeros",
                exact(
                    "largest exact-zero share of softplus hidden outputs",
                    soft_zero,
                    SOFTPLUS_ZERO_MAX,
                    "below",
                ),
            ),
            by_form("existence", "hard zeros can help supervised training", conds),
            by_form("general", "hard zeros do no harm while gradient flows along some path", harm),
        ],
    )
    helps = [c.name for c in conds if c.verdict == "supported"]
    hurts = [c.name for c in conds if c.verdict == "refuted"]
    relu0 = sp[(sp["activation"] == "relu") & (sp["l1"] == 0)]
    return result(
        tree,
        measured=f"largest exact-zero share with softplus: {sig(soft_zero)} (ReLU: "
        f"{spread(relu0['zero_frac'])}); test accuracy — " + "; ".join(lines),
        expected="softplus: no exact zeros; in some setting ReLU trains better (its zeros can "
        "help)",
        tolerance=f"softplus zero share ≤ {num(SOFTPLUS_ZERO_MAX)} (exact maximum); 'can help' is "
        f"an existence claim: supported by one setting where the {CI} bootstrap interval over "
        "seeds of the mean paired accuracy difference ReLU − softplus lies above 0; settings "
        "where softplus wins do not refute it; 'no harm' (the quoted authors' hypothesis) is a "
        f"general claim: ReLU's mean paired accuracy at most {num(NO_HARM)} below softplus's in "
        "every setting where some ReLU unit is alive",
        evidence="ReLU and softplus MLPs of the same shape, init and seeds trained on digits "
        "(λ = 0) under each optimiser and depth; exact-zero share of hidden outputs and test "
        "accuracy. " + diverged_text(status, "runs") + " (a diverged run's accuracy counts as 0).",
        figures=["study_sparsity"],
        tables=[SPARSITY],
        note=f"ReLU clearly better in: {names(helps, title=SPARSE_HELPS)}; softplus clearly "
        "better in: "
        f"{names(hurts, title=SPARSE_HURTS)}. The condition 'as long as some path still "
        "carries gradient' held "
        "wherever ReLU trained.",
        values={
            "softplus_zero_frac_max": soft_zero,
            "settings_relu_better": float(len(helps)),
            "settings_softplus_better": float(len(hurts)),
        },
        diverged=diverged_of(status),
    )
