"""Checks of the leaky-slope study (studies/leaky_slope) and the facts it leans on:
C7 (ReLU at 0, dead units) and C8 (which ε)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..machinery.labels import interval, num
from .registry import ClaimResult, Results, check, result
from .stats import FINITE, diverged_of, diverged_text, exact, over_runs, real, sig, spread
from .verdict import CI, all_of, part, untested

LEAKY, DEFAULTS, FACTS = "leaky_slope.runs", "leaky_slope.defaults", "facts.facts"

# ---- tolerances, fixed before the run ----------------------------------------
# C8: the article writes leaky ReLU with ε = 0.01.
ARTICLE_EPS = 0.01
# float64 representation of the default slope
EPS_TOL = 1e-12


def _status(runs: pd.DataFrame) -> pd.Series:
    final = runs[runs["phase"] == "final"]
    ok = np.isfinite(final["train_loss"].astype(float))
    return pd.Series(
        np.where(ok, FINITE, "diverged"), index=pd.MultiIndex.from_frame(final[["slope", "seed"]])
    )


@check("C7")
def check_c7_relu_at_zero(r: Results) -> ClaimResult:
    f = r.json(FACTS)
    d0 = float(f["autograd_derivative_at_0_relu"])
    runs = r.table(LEAKY)
    status = _status(runs)
    relu = runs[runs["slope"] == 0]
    final = relu[relu["phase"] == "final"]
    ok = final[np.isfinite(final["train_loss"].astype(float))]
    dead_init = relu[relu["phase"] == "init"]["dead_frac"]
    tree = all_of(
        "C7",
        [
            part(
                "autograd uses a subgradient at 0",
                exact(
                    "distance of autograd's ReLU derivative at 0 from [0, 1]",
                    max(0.0, -d0, d0 - 1),
                    0.0,
                    "below",
                ),
            ),
            part(
                "negative inputs kill units",
                exact(
                    "largest share of dead units in a trained ReLU net",
                    float(ok["dead_frac"].max()) if len(ok) else np.nan,
                    0.0,
                    "above",
                    strict=True,
                ),
            ),
        ],
    )
    return result(
        tree,
        measured=f"autograd's ReLU derivative at exactly 0: {sig(d0)} (torch {f['torch_version']}; "
        f"leaky_relu {sig(f['autograd_derivative_at_0_leaky_relu'])}, abs "
        f"{sig(f['autograd_derivative_at_0_abs'])}); dead ReLU units (never positive on the "
        f"training set) at init {spread(dead_init)}, after SGD {spread(final['dead_frac'])}",
        expected="a subgradient at 0 (0 or 1 by convention); some units dead after training",
        tolerance="derivative at 0 in [0, 1] (exact); at least one dead unit in some trained "
        "net (an existence claim: exact maximum over every finite run)",
        evidence="autograd evaluated at x = 0; dead-unit share of the leaky-slope study's ε = 0 "
        "(plain ReLU) networks before and after training. "
        + diverged_text(status, "runs")
        + " (diverged runs are left out of the dead count).",
        figures=["study_leaky_slope"],
        tables=[FACTS, LEAKY],
        note="The derivative at 0 is undefined mathematically; PyTorch returns the subgradient "
        f"{sig(d0)} (and for leaky ReLU its slope). How much this 'partial vanishing' costs "
        "depends on the setting: see the dead shares above and B5.",
        values={
            "relu_derivative_at_0": d0,
            "dead_frac_final_max": float(ok["dead_frac"].max()) if len(ok) else np.nan,
        },
        diverged=diverged_of(status),
    )


@check("C8")
def check_c8_leaky_slope(r: Results) -> ClaimResult:
    d = pd.DataFrame(r.json(DEFAULTS)["defaults"])
    torch_rows = d[
        d["source"].str.startswith("read from installed torch") & (d["framework"] == "PyTorch")
    ]
    runs = r.table(LEAKY)
    status = _status(runs)
    final = runs[runs["phase"] == "final"]
    acc = final.pivot(index="seed", columns="slope", values="test_accuracy")
    dead = final.groupby("slope")["dead_frac"].mean()
    measured_eps = float(torch_rows["default"].iloc[0]) if len(torch_rows) else np.nan
    tree = all_of(
        "C8",
        [
            part(
                f"leaky ReLU is written with ε = {num(ARTICLE_EPS)} (the installed PyTorch's "
                "default)",
                exact(
                    "|PyTorch's LeakyReLU default − ε|",
                    abs(measured_eps - ARTICLE_EPS),
                    EPS_TOL,
                    "below",
                ),
            ),
            untested(
                "0.2–0.3 is the most common range",
                "how common a value is in practice is a survey question; no measurement here "
                "can settle it, and a hand-typed list of framework defaults is not evidence of "
                "usage",
            ),
        ],
    )
    effects = []
    if ARTICLE_EPS in acc.columns:
        for s in acc.columns:
            if s == ARTICLE_EPS:
                continue
            st = over_runs(
                f"mean paired accuracy ε = {num(real(s), 6)} − ε = {num(ARTICLE_EPS)}",
                (acc[s] - acc[ARTICLE_EPS]).dropna(),
                0.0,
                "above",
                how="mean",
            )
            effects.append(f"ε = {num(real(s), 6)}: {interval(st.value, st.lo, st.hi)}")
    typed = d[~d["source"].str.startswith("read from installed")]
    return result(
        tree,
        measured=f"installed PyTorch's LeakyReLU default ε = {sig(measured_eps)}; test accuracy "
        "by ε: "
        + ", ".join(f"{num(real(s), 6)}: {spread(acc[s])}" for s in acc.columns)
        + "; paired accuracy difference against ε = "
        + f"{num(ARTICLE_EPS)} (mean, {CI} bootstrap over seeds): "
        + ("; ".join(effects) or "none")
        + "; dead-unit share after training by ε: "
        + ", ".join(f"{num(real(s), 6)}: {sig(v)}" for s, v in dead.items()),
        expected=f"ε = {num(ARTICLE_EPS)} as written; 0.2–0.3 most common",
        tolerance=f"the default read from the installed PyTorch equals {num(ARTICLE_EPS)}; the "
        "'most common' part is not tested",
        evidence="PyTorch's default read at run time; a deep leaky-ReLU MLP trained with SGD on "
        "digits for each ε, same seeds. " + diverged_text(status, "runs"),
        figures=["study_leaky_slope"],
        tables=[DEFAULTS, LEAKY],
        note="Other frameworks' documented defaults, typed from their API references and not "
        "used in any verdict: "
        + "; ".join(f"{row.framework} {sig(real(row.default))}" for row in typed.itertuples())
        + ". Inside the claim's range: "
        + (", ".join(d[d["in_0.2_0.3"]]["framework"]) or "none")
        + "; outside it: "
        + (", ".join(d[~d["in_0.2_0.3"].astype(bool)]["framework"]) or "none")
        + ".",
        values={"torch_default": measured_eps},
        diverged=diverged_of(status),
    )
