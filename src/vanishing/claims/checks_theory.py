"""Checks settled by the theory stage alone (closed forms against independent
numerical methods): A4, A5, A6, C3. Every statistic is exact: float64 round-off
is the only uncertainty, and the tolerances sit far above it."""

from __future__ import annotations

import inspect
from typing import Any, cast

import numpy as np

from ..core import theory
from ..machinery.labels import num
from .registry import ClaimResult, Results, check, result
from .stats import exact, listing, sig
from .verdict import all_of, part

# ---- tolerances, fixed before the run ----------------------------------------
# Closed forms against an independent numerical method: float64 round-off only.
NUMERIC_TOL = 1e-9
# The sources quote thresholds to three decimals: agree when rounding agrees.
THREE_DECIMALS = 5e-4
# A6: the source's widest integer band, n = 2 with ±0.658.
SOURCE_N, SOURCE_T1 = 2, 0.658
# A4: float64 rounds tanh(n·x)'s derivative to n within about 1e-8 of x = 0.
NEAR_ZERO = 1e-6
# C3: the sigmoid's derivative peaks at 1/4 and is positive everywhere.
SIGMOID_MAX = 0.25
POSITIVE = float(np.finfo(float).tiny)

DERIV, THRESH, MAXIMA = "theory.derivatives", "theory.thresholds", "theory.maxima"


def _default(fn: object, arg: str) -> Any:
    """The default a theory function ran with (the grid behind maxima.json)."""
    return inspect.signature(fn).parameters[arg].default  # type: ignore[arg-type]


def _tanh_scale(name: str) -> float | None:
    if name == "tanh":
        return 1.0
    if name.startswith("tanh_n"):
        return float(name.removeprefix("tanh_n"))
    return None


@check("A4")
def check_a4_tanh_n_derivative(r: Results) -> ClaimResult:
    curves = r.table(DERIV)
    worst, above, ns, points = 0.0, 0, [], 0
    for name, g in curves.groupby("activation"):
        n = _tanh_scale(str(name))
        if n is None:
            continue
        ns.append(n)
        x, d = g["x"].to_numpy(), g["derivative"].to_numpy()
        points = len(x)
        worst = max(worst, float(np.max(np.abs(d - theory.tanh_n_derivative(x, n)))))
        above += int(np.sum(d[np.abs(x) > NEAR_ZERO] >= n))
    closed = exact("max |autograd − n(1 − tanh²(n·x))|", worst, NUMERIC_TOL, "below", scale="log")
    below = exact("points with x ≠ 0 at or above n", above, 0, "below")
    tree = all_of(
        "A4",
        [part("the formula matches autograd", closed), part("strictly below n for x ≠ 0", below)],
    )
    xs = curves["x"]
    return result(
        tree,
        measured=f"max |autograd − n(1 − tanh²(nx))| = {sig(worst)}; {above} points with x ≠ 0 "
        "at or above n",
        expected="difference at round-off level; no point at or above n",
        tolerance=f"difference ≤ {num(NUMERIC_TOL)}; no point with |x| > {num(NEAR_ZERO)} at "
        "or above n",
        evidence=f"Autograd derivatives of tanh(n·x) on {points} points in "
        f"[{sig(float(xs.min()))}, {sig(float(xs.max()))}] for n ∈ {listing(ns)} against the "
        "closed form.",
        figures=["activation_derivatives"],
        tables=[DERIV],
        values={"max_abs_diff": worst},
    )


@check("A5")
def check_a5_t1_threshold(r: Results) -> ClaimResult:
    rows = r.table(THRESH)
    rows = rows[rows["n"] > 1]
    worst = 0.0
    for n, t in zip(rows["n"], rows["t1"], strict=True):
        # Independent method: bisection on the derivative for the level 1/n.
        def derivative(x: float, n: float = n) -> float:
            return cast(float, theory.tanh_n_derivative(x, n))  # a scalar at a scalar x

        b = theory.bisect_threshold(derivative, 1 / n, 0, 20)
        worst = max(worst, abs(b - t))
    t1_2 = float(rows.loc[rows["n"] == 2, "t1"].iloc[0]) if (rows["n"] == 2).any() else np.nan
    stat = exact("max |closed form − bisection|", worst, NUMERIC_TOL, "below", scale="log")
    return result(
        all_of("A5", [part("t1(n) is where f′ = 1/n", stat)]),
        measured=f"closed form vs bisection: max difference {sig(worst)} over n ∈ "
        f"{listing(rows['n'])}; t1(2) = {num(t1_2, 4)}",
        expected="the closed form t1(n) = artanh(√(1 − 1/n²))/n is where f′ = 1/n",
        tolerance=f"|closed form − bisection| ≤ {num(NUMERIC_TOL)}",
        evidence="For each n the level crossing f′(x) = 1/n was found by bisection on the "
        "derivative and compared with the formula; by symmetry t2 = −t1.",
        figures=["thresholds"],
        tables=[THRESH],
        values={"t1_2": t1_2, "max_abs_diff": worst},
    )


@check("A6")
def check_a6_widest_band(r: Results) -> ClaimResult:
    m = r.json(MAXIMA)
    n_int, t_int = m["t1_integer_argmax"], m["t1_integer_max"]
    n_star, t_star = m["t1_continuous_argmax"], m["t1_continuous_max"]
    tree = all_of(
        "A6",
        [
            part(
                f"the widest integer band is at n = {num(SOURCE_N)}",
                exact("|integer argmax − n₀|", abs(n_int - SOURCE_N), 0, "below"),
            ),
            part(
                f"its half-width is {num(SOURCE_T1)}",
                exact(
                    f"|t1(argmax) − {num(SOURCE_T1)}|",
                    abs(t_int - SOURCE_T1),
                    THREE_DECIMALS,
                    "below",
                ),
            ),
            part(
                "a real n gives a wider band",
                exact("continuous max − integer max", t_star - t_int, NUMERIC_TOL, "above"),
            ),
        ],
    )
    return result(
        tree,
        measured=f"integer argmax n = {n_int}, t1 = {num(t_int, 4)}; continuous argmax "
        f"n = {num(n_star, 4)}, t1 = {num(t_star, 4)}",
        expected=f"n = {num(SOURCE_N)} with ±{num(SOURCE_T1)} among integers; a slightly wider "
        "band for "
        "some real n",
        tolerance=f"argmax = {num(SOURCE_N)}, |t1 − {num(SOURCE_T1)}| ≤ {num(THREE_DECIMALS)}; "
        "continuous max "
        f"above the integer max by ≥ {num(NUMERIC_TOL)}",
        evidence=f"t1 on a {num(_default(theory.t1_continuous_max, 'grid'))}-point grid over "
        f"n ∈ ({num(_default(theory.t1_continuous_max, 'n_lo'), 6)}, "
        f"{num(_default(theory.t1_continuous_max, 'n_hi'), 6)}], refined by golden-section search; "
        f"the integer maximum over n = 2…{_default(theory.t1_integer_max, 'n_max')}.",
        figures=["thresholds"],
        tables=[MAXIMA],
        note=f"The continuous optimum is n ≈ {num(n_star, 3)}, only {num(t_star - t_int, 2)} wider "
        f"than n = {n_int}.",
        values={"n_star": n_star, "t_star": t_star, "t_int": t_int},
    )


@check("C3")
def check_c3_sigmoid_derivative(r: Results) -> ClaimResult:
    m = r.json(MAXIMA)
    curves = r.table(DERIV)
    sel = curves[curves["activation"] == "sigmoid"]
    d = sel["derivative"]
    top = float(m["sigmoid_derivative_max"])
    tree = all_of(
        "C3",
        [
            part(
                "the maximum is 1/4",
                exact("|max s(1 − s) − 1/4|", abs(top - SIGMOID_MAX), NUMERIC_TOL, "below"),
            ),
            part(
                "the derivative is positive",
                exact("smallest derivative on the grid", float(d.min()), POSITIVE, "above"),
            ),
        ],
    )
    x = sel["x"]
    return result(
        tree,
        measured=f"max {top:.12f} at x = {sig(m['sigmoid_derivative_argmax'])}; min on "
        f"[{sig(float(x.min()))}, {sig(float(x.max()))}] = {sig(float(d.min()))} > 0",
        expected="in (0, 1/4], maximum 1/4 at x = 0",
        tolerance=f"|max − 1/4| ≤ {num(NUMERIC_TOL)}; every sampled derivative > 0",
        evidence="Golden-section search on s(1 − s) and the autograd derivative on a grid.",
        figures=["activation_derivatives"],
        tables=[MAXIMA, DERIV],
        values={"max": top},
    )
