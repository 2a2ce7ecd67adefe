"""Checks settled by the products study: K-fold products of activation derivatives at
Gaussian pre-activations (thread A's analysis, plus B10 and C10). All analytic: closed
forms and dense grids are exact; Monte Carlo probabilities carry a Wilson interval
over every sampled product (samples × seeds), Monte Carlo means a normal interval
from their standard errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..machinery.labels import interval, label, num, pct
from . import stats
from .registry import ClaimResult, MissingResult, Results, check, result
from .stats import exact, key_of, listing, pow10, real, share, sig, spread, with_interval
from .verdict import CI, Side, Statistic, across, all_of, part, untested

# ---- tolerances, fixed before the run ----------------------------------------
# Numerically located maxima and grid sups against closed forms: float64 round-off.
NUMERIC_TOL = 1e-9
ARGMAX_TOL = 1e-6
LOG_ROUNDOFF = 1e-12
# A product "is not forced to zero" / "explodes" / "vanishes" in a majority of samples.
MAJORITY = 0.5
# The source's "about half": a fraction within ±0.15 of 0.5 counts as about half.
HALF, HALF_TOL = 0.5, 0.15
# The source quotes t_k(2, 50) as 9.0 and t_explode(2) as 0.441.
SOURCE_T_K, ONE_DECIMAL = 9.0, 0.05
SOURCE_T_EXPLODE, THREE_DECIMALS = 0.441, 5e-4
# "One or two x around 5-10 cancel most good x": two bad x sink ≥ 95 % of products below 1.
CANCEL_RATE = 0.95
# A probe network has exploded when ‖δ₁‖/‖δ_out‖ exceeds 100 (two decades).
BAD_DECADES = 2.0
# Monte Carlo mean vs the trapezoid rule within 5 standard errors in every cell: over
# ~25 cells a 5-sigma miss is a bug, not noise (a control, not the claim).
MC_SIGMAS = 5.0
# A "continuous" product takes a distinct value in at least 99 % of the samples.
CONTINUOUS = 0.99
# A13: the claim holds in a region of n·s when E[ln f′] falls on most grid steps there;
# the regions are split where n·s = 1 (pre-activations of about 1/n).
MOSTLY = 0.5
NS_SPLIT = 1.0
# A11: the quantile of the share inside the exploding band among products that did not
# explode, which the rule of thumb bounds (the products study writes this one).
CALM_QUANTILE = 0.95
# A8: where products start to survive = where the vanishing rate falls to one half.
VANISH_POINT = 0.5

PRODUCTS, EXPECTED, PAIRS = "products.products", "products.expected", "products.pairs"
INSIDE, CANCEL, ANALYTIC = "products.inside", "products.cancellation", "products.analytic"
PROBE = "probe.summary"
FIG_PROB = "products_probability"


def _tanh_rows(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["activation"].str.startswith("tanh_n")]


def _samples(r: Results) -> int:
    return int(r.json(ANALYTIC)["params"]["samples"])


def _lim(r: Results) -> tuple[str, str]:
    """The study's definitions of a vanished and an exploded product, for prose."""
    p = r.json(ANALYTIC)["params"]
    return f"{num(p['vanish'], 6)}", f"{num(p['explode'], 6)}"


def _pooled(g: pd.DataFrame, col: str, samples: int) -> tuple[float, float]:
    """(events, trials) of a per-seed probability column, pooled over seeds."""
    return float((g[col] * samples).round().sum()), float(samples * len(g))


def _pooled_se(v: pd.Series) -> float:
    """The standard error of a mean of independent means, from theirs."""
    return float(np.sqrt((v**2).sum())) / len(v)


def _prob(
    name: str,
    g: pd.DataFrame,
    col: str,
    samples: int,
    threshold: float,
    side: Side,
    strict: bool = False,
) -> Statistic:
    k, n = _pooled(g, col, samples)
    return share(name, k, n, threshold, side, runs="sampled products", strict=strict)


@check("A1")
def check_a1_max_derivative(r: Results) -> ClaimResult:
    a = r.json(ANALYTIC)
    maxima = pd.DataFrame(a["maxima"])
    worst_arg = float(maxima["argmax"].abs().max())
    worst_val = float((maxima["max"] - maxima["n"]).abs().max())
    df = _tanh_rows(r.table(PRODUCTS))
    samples = _samples(r)
    kmax = int(df["K"].max())
    big = df[(df["n"] > 1) & (df["K"] == kmax)]
    conds = []
    for n, g in big.groupby("n"):
        s_best = g.groupby("s")["p_above1"].mean().idxmax()
        conds.append(
            part(
                f"n = {num(real(n), 6)}",
                _prob(
                    f"P(product of {kmax} ≥ 1) at s = {num(real(s_best), 6)}",
                    g[g["s"] == s_best],
                    "p_above1",
                    samples,
                    MAJORITY,
                    "above",
                ),
            )
        )
    tree = all_of(
        "A1",
        [
            part(
                "the largest derivative is at x = 0",
                exact("largest |argmax| of n·sech²(n·x)", worst_arg, ARGMAX_TOL, "below"),
            ),
            part("and equals n", exact("largest |max − n|", worst_val, NUMERIC_TOL, "below")),
            across("for n > 1 the product is not forced to zero (at some s)", conds),
        ],
    )
    ranges = df[df["n"] > 1].groupby("n").agg(lo=("log10_min", "min"), hi=("log10_max", "max"))
    return result(
        tree,
        measured=f"argmax within {sig(worst_arg)} of 0 and max within {sig(worst_val)} of n "
        f"(golden section, n ∈ {listing(maxima['n'])}); P(product ≥ 1, K = {kmax}) at "
        "the best s: "
        + stats.fmt_stats((c.name, c.stat) for c in conds)
        + f"; log10 product over K and s for n > 1 spans [{sig(float(ranges['lo'].min()))}, "
        f"{sig(float(ranges['hi'].max()))}]",
        expected="maximum n at x = 0; for each n > 1 some s where the product is not driven "
        "towards 0",
        tolerance=f"|argmax| ≤ {num(ARGMAX_TOL)}, |max − n| ≤ {num(NUMERIC_TOL)}; per n > 1, "
        f"P(≥ 1) ≥ {num(MAJORITY)} at the best s (Wilson {CI} over the sampled products)",
        evidence=f"Golden-section search for the maximum of the derivative, and {num(samples)} "
        "Monte "
        "Carlo products per (n, s, seed) of K derivatives at x ~ N(0, s²).",
        figures=[FIG_PROB],
        tables=[PRODUCTS, ANALYTIC],
        note="The product is not forced to zero only while the pre-activations stay near 0 "
        "(small s); at larger s it still vanishes for every n tested.",
        values={"worst_argmax": worst_arg, "worst_max_err": worst_val},
    )


@check("A3")
def check_a3_tanh_product_vanishes(r: Results) -> ClaimResult:
    df = r.table(PRODUCTS)
    t = df[df["activation"] == "tanh_n1"]
    if t.empty:
        raise MissingResult("the products study has no n = 1 (plain tanh)")
    top = float(t["log10_max"].max())
    med = t.groupby(["s", "K"])["log10_median"].mean().unstack("K")
    not_down = int((np.diff(med.to_numpy(), axis=1) >= 0).sum())
    ex = r.table(EXPECTED)
    mc = ex[(ex["method"] == "monte_carlo") & (ex["n"] == 1.0)]
    rates = []
    for s, g in mc.groupby("s"):
        m = float(g["mean_log_deriv"].mean())
        se = float(np.sqrt((g["se_log_deriv"] ** 2).sum()) / len(g))
        rates.append(
            part(
                f"s = {num(real(s), 6)}",
                with_interval(
                    f"E[ln tanh′(x)], x ~ N(0, {num(real(s), 6)}²)",
                    m,
                    m - stats.Z95 * se,
                    m + stats.Z95 * se,
                    f"{CI} normal (Monte Carlo standard error)",
                    0.0,
                    "below",
                    strict=True,
                ),
            )
        )
    tree = all_of(
        "A3",
        [
            part(
                "no product exceeds 1",
                exact("largest log10 product of tanh′", top, LOG_ROUNDOFF, "below"),
            ),
            across("each factor shrinks the product on average", rates),
            part(
                "the median product falls with K",
                exact("steps in K where the median product did not fall", not_down, 0, "below"),
            ),
        ],
    )
    # factors the median product needs to reach "vanished", where each factor shrinks it
    k_needed = {
        c.name: math.log(float(r.json(ANALYTIC)["params"]["vanish"])) / c.stat.value
        for c in rates
        if c.stat.value < 0
    }
    return result(
        tree,
        measured=f"largest product of any K: {pow10(top)}; steps in K where the median did not "
        f"fall: {not_down}; E[ln f′] per factor: "
        + stats.fmt_stats((c.name, c.stat) for c in rates),
        expected="every product ≤ 1, shrinking geometrically with K",
        tolerance=f"max log10 product ≤ {num(LOG_ROUNDOFF)}; E[ln f′] < 0 at every s ({CI} normal "
        "interval); median strictly decreasing in K",
        evidence=f"{num(_samples(r))} Monte Carlo products per s and seed of K tanh′(x), "
        "x ~ N(0, s²), summed in log space.",
        figures=[FIG_PROB],
        tables=[PRODUCTS, EXPECTED],
        note=(
            "Vanishing is geometric but can be slow: the median product needs about "
            + ", ".join(f"{num(round(k))} factors at {s}" for s, k in k_needed.items())
            + f" to reach {_lim(r)[0]}."
        )
        if k_needed
        else "",
        values={"max_log10_product": top},
    )


@check("A7")
def check_a7_pairs(r: Results) -> ClaimResult:
    bound = pd.DataFrame(r.json(ANALYTIC)["pair_bound"])
    sup = float(bound["sup"].max())
    at_edge = bool(
        (
            (bound["argmax_x1"].abs() < NUMERIC_TOL)
            & ((bound["argmax_abs_x2"] - bound["t1"]).abs() < NUMERIC_TOL)
        ).all()
    )
    pairs = r.table(PAIRS)
    top = float(pairs[pairs["kind"] == "pairs"]["log10_max"].max())
    fac = pairs[pairs["K"] == pairs["K"].min()].groupby(["kind", "n", "s"])["mean_log10_factor"]
    fac = fac.mean().unstack("kind")
    worse = int((fac["pairs"] < fac["tanh"]).sum())
    tree = all_of(
        "A7",
        [
            part(
                "one pair factor is at most 1",
                exact(
                    "sup of f′(x1)·f′(x2) over |x2| ≥ t1(n), minus 1",
                    sup - 1,
                    LOG_ROUNDOFF,
                    "below",
                ),
            ),
            part(
                "no product of pairs exceeds 1",
                exact("largest log10 product of pairs", top, LOG_ROUNDOFF, "below"),
            ),
        ],
    )
    return result(
        tree,
        measured=f"sup over the grid of f′(x1)·f′(x2), |x2| ≥ t1(n): {sig(sup, 6)} (at x1 = 0, "
        f"|x2| = t1: {'yes' if at_edge else 'no'}); largest product of K Monte Carlo pairs: "
        f"{pow10(top)}; mean "
        f"log10 per pair below that of one tanh′ at the same s in {worse}/{num(len(fac))} (n, "
        "s) cells",
        expected="each pair factor ≤ 1, like one tanh(x) derivative",
        tolerance=f"sup − 1 ≤ {num(LOG_ROUNDOFF)}; no Monte Carlo product of pairs above 1 (exact "
        "maxima)",
        evidence="Dense grid over (x1, x2) and Monte Carlo of K pair factors with "
        "x1 ~ N(0, s²), x2 ~ N(0, s²) conditioned on |x2| > t1(n), n ∈ "
        f"{listing(bound['n'])}, against K tanh′(z), z ~ N(0, s²).",
        tables=[PAIRS, ANALYTIC],
        note="The bound is tight only at x1 = 0, |x2| = t1(n); in distribution a pair is "
        "typically much worse than one tanh(x) derivative at the same s, so 'as bad as' is "
        "a best case.",
        values={"sup": sup, "max_log10_pairs": top, "cells_pairs_worse": float(worse)},
    )


def _crossing(x: np.ndarray, y: np.ndarray) -> float:
    """Where the vanishing rate y(x) first drops to VANISH_POINT (linear interpolation)."""
    for i in range(1, len(x)):
        if y[i - 1] > VANISH_POINT >= y[i]:
            dx = x[i] - x[i - 1]
            return float(x[i - 1] + (y[i - 1] - VANISH_POINT) * dx / (y[i - 1] - y[i]))
    return float(x[0]) if len(y) and y[0] <= VANISH_POINT else float("nan")


def _curves(bins: pd.DataFrame, col: str = "p_vanish") -> tuple[np.ndarray, np.ndarray]:
    """Bin centres and the per-seed rate curves of ``col``, (seeds, bins)."""
    b = bins.assign(mid=(bins["f_lo"] + bins["f_hi"]) / 2)
    piv = b.pivot_table(index="seed", columns="mid", values=col)
    return piv.columns.to_numpy(float), piv.to_numpy(float)


def _f50(bins: pd.DataFrame) -> float:
    """Share inside at which the seed-mean vanishing rate first drops to VANISH_POINT."""
    x, ys = _curves(bins)
    return _crossing(x, np.nanmean(ys, axis=0))


def _f50_interval(bins: pd.DataFrame, center: float) -> tuple[float, float]:
    """95 % bootstrap over seeds of |f50 − center| (seed curves resampled whole)."""
    x, ys = _curves(bins)
    if len(ys) < 2:
        return math.nan, math.nan
    rng = np.random.default_rng(stats.RNG_SEED)
    idx = rng.integers(0, len(ys), size=(stats.N_BOOT, len(ys)))
    means = np.nanmean(ys[idx], axis=1)
    return stats._percentiles(np.array([abs(_crossing(x, m) - center) for m in means]))


@check("A8")
def check_a8_half_inside(r: Results) -> ClaimResult:
    """A necessary condition (catalogue: bound, necessary): a product that escapes
    vanishing has about half or more of its x inside ±t1(2). Only that direction is
    tested; where the vanishing rate actually turns (the bound's tightness) is reported
    in the note, because the answer does not assert it."""
    ins = r.table(INSIDE)
    bins, overall = ins[ins["kind"] == "bin"], ins[ins["kind"] == "overall"]
    f50 = _f50(bins)
    lo, hi = _f50_interval(bins, 0.0)
    q05 = overall["survivor_f_q05"].astype(float)
    n_seeds = int(bins["seed"].nunique())
    n, k = float(ins["n"].iloc[0]), int(ins["K"].iloc[0])
    tree = all_of(
        "A8",
        [
            part(
                "products that escape vanishing have about half or more of their x inside",
                stats.over_runs(
                    f"5 % quantile of the share of x inside ±t1({num(n, 6)}) among products "
                    "that did "
                    f"not vanish (K = {k}), mean over seeds",
                    q05,
                    HALF - HALF_TOL,
                    "above",
                    how="mean",
                ),
            ),
        ],
    )
    be = r.json(ANALYTIC).get("break_even", {})
    return result(
        tree,
        measured=f"5 % of the products that did not vanish had fewer than {spread(q05)} of "
        f"their x inside ±t1({num(n, 6)}); the vanishing rate falls to {pct(VANISH_POINT)} at "
        "a share "
        f"inside of {interval(f50, lo, hi)} ({CI} bootstrap over {n_seeds} seeds)"
        + (
            f"; E[ln f′] = 0 (median product level) at s = {sig(be['s'])}, where "
            f"{sig(be['frac_inside'])} of x are inside"
            if be
            else ""
        ),
        expected="a product that does not vanish has about half (or more) of its x inside "
        "±t1(2): a necessary condition",
        tolerance=f"necessary condition, tested in its direction: 'about half' = {num(HALF)} ± "
        f"{num(HALF_TOL)}, so the survivors' 5 % quantile of the share inside must be ≥ "
        f"{HALF - HALF_TOL} ({CI} bootstrap over seeds); where the vanishing rate turns is the "
        "bound's tightness, reported, not tested",
        evidence=f"Products of K = {k} derivatives of tanh({num(n, 6)}x) at x ~ N(0, s²) over "
        "a range "
        "of s, binned by the share of x inside [−t1, t1].",
        figures=["products_inside"],
        tables=[INSIDE],
        note=f"Tightness (not part of the claim): products start to survive once a share of "
        f"about {sig(f50)} of the x is inside"
        + (
            ", above the answer's one half: the bound is loose, not wrong. Gaussian x put the "
            "rest far outside, which the answer's proviso of no large x excludes."
            if f50 > HALF + HALF_TOL
            else ", close to the answer's one half."
        ),
        values={"f50": f50, "survivor_f_q05": float(q05.mean())},
    )


@check("A9")
def check_a9_cancellation(r: Results) -> ClaimResult:
    c = r.json(ANALYTIC)["cancel"]
    t_one, t_two = float(c["t_k_one"]), float(c["t_k_two"])
    tab = r.table(CANCEL)
    mc = tab[tab["kind"] == "monte_carlo"]
    samples = _samples(r)
    ex = tab[tab["kind"] == "exact"].set_index(["m_bad", "x_bad"])["log10_product"]
    pp = r.json(ANALYTIC)["params"]
    bad = f"U[{num(pp['cancel_bad_lo'], 6)}, {num(pp['cancel_bad_hi'], 6)}]"
    two = _prob(
        f"P(product < 1) with two x in {bad}",
        mc[mc["m_bad"] == 2],
        "p_below1",
        samples,
        CANCEL_RATE,
        "above",
    )
    tree = all_of(
        "A9",
        [
            part(
                f"t_k(2, 50) is about {num(SOURCE_T_K)}",
                exact(f"|t_k − {num(SOURCE_T_K)}|", abs(t_one - SOURCE_T_K), ONE_DECIMAL, "below"),
            ),
            part("two x around 5–10 cancel the good ones", two),
        ],
    )
    n, k = c["n"], c["K"]
    p = {m: mc[mc["m_bad"] == m]["p_below1"] for m in (0, 1, 2)}
    worked = ", ".join(
        f"{m} at x = {num(x, 6)}: {pow10(v)}"
        for (m, x), v in ((key_of(key), v) for key, v in ex.items())
    )
    return result(
        tree,
        measured=f"t_k({num(n, 6)}, {k}) = {sig(t_one, 4)}; two x beyond {sig(t_two, 3)} undo "
        f"{k - 2} factors at x = 0. Exact products of {k} factors ({k}−m at x = 0): {worked}. "
        f"Monte Carlo P(product < 1) with 0/1/2 x in {bad}: {spread(p[0])} / "
        f"{spread(p[1])} / {stats.fmt_stat(two)}",
        expected=f"t_k({num(n, 6)}, {k}) ≈ {num(SOURCE_T_K)}; one or two x around 5–10 cancel "
        "most good x",
        tolerance=f"|t_k − {num(SOURCE_T_K)}| ≤ {num(ONE_DECIMAL)}; two bad x sink ≥ "
        f"{pct(CANCEL_RATE)} of "
        f"products below 1 (Wilson {CI} over the sampled products)",
        evidence=f"Closed-form threshold, exact products with {k}−m derivatives at 0, and "
        f"Monte Carlo with {k}−m x ~ N(0, {num(pp['cancel_good_scale'], 6)}²) plus m x with |x| ~ "
        f"{bad}.",
        tables=[CANCEL, ANALYTIC],
        note="One bad x is enough only beyond about t_k; below that a single x leaves the "
        f"product above 1 in about {sig(1 - float(p[1].mean()), 2)} of samples. Two x beyond "
        f"≈ {sig(t_two, 2)} always suffice.",
        values={"t_k_one": t_one, "t_k_two": t_two, "p_below1_two_bad": two.value},
    )


def _probe_explosions(r: Results) -> str:
    """Tanh-family probe networks whose δ ratio exceeds 100 (information only)."""
    try:
        s = r.table(PROBE)
    except MissingResult:
        return ""
    t = s[s["activation"].str.match(r"^tanh(_n[\d.]+)?$")]
    rows: list[list[Any]] = []
    for name, g in t.groupby("activation"):
        boom = g[
            (g["log10_delta_ratio"] > BAD_DECADES)
            | (g["status"] != "finite" if "status" in g else False)
        ]
        inits = ", ".join(label(i, "init") for i in sorted(boom["init"].unique()))
        rows.append([label(name, "activation"), len(boom), len(g), inits or "none"])
    if not rows:
        return ""
    # the inits per activation make a table, not a cell (the appendix prints it)
    stats.record_table(
        {
            "title": f"Tanh-family probe networks with ‖δ₁‖/‖δ_out‖ above {num(10**BAD_DECADES)}",
            "columns": ["activation", "networks above", "of", "inits"],
            "rows": rows,
        }
    )
    return ", ".join(f"{a}: {num(k)} of {num(n)}" for a, k, n, _ in rows) + (
        " (their inits are listed in the appendix table)"
    )


def _a11_rule_of_thumb(r: Results) -> list:
    """A11's third part, the exploding counterpart of A8 and, like it, a necessary
    condition: a product that stays near O(1) (does not explode) has about half or more
    of its x outside ±t_explode(n), so at most about half inside."""
    ins = r.table(INSIDE)
    overall = ins[ins["kind"] == "overall"]
    if "calm_fe_q95" not in overall or overall["calm_fe_q95"].isna().all():
        return [
            untested(
                "a product that stays near O(1) has about half or more of its x outside the band",
                "the products study wrote no exploding-band shares",
            )
        ]
    n, k = float(overall["n"].iloc[0]), int(overall["K"].iloc[0])
    return [
        part(
            "a product that stays near O(1) has about half or more of its x outside the band",
            stats.over_runs(
                f"{num(100 * CALM_QUANTILE, 6)} % quantile of the share of x inside "
                f"±t_explode({num(n, 6)}) among products (K = {k}) within a decade of 1, mean over "
                "seeds",
                overall["calm_fe_q95"].astype(float),
                HALF + HALF_TOL,
                "below",
                how="mean",
            ),
        )
    ]


def _a11_turn(r: Results) -> str:
    """Where the exploding rate reaches one half, for the note (the rule's tightness)."""
    try:
        ins = r.table(INSIDE)
    except MissingResult:
        return ""
    bins = ins[ins["kind"] == "bin_explode"]
    if bins.empty or "p_explode" not in bins:
        return ""
    x, ys = _curves(bins, "p_explode")
    m = np.nanmean(ys, axis=0)
    above = np.flatnonzero(m > VANISH_POINT)
    where = f"{sig(float(x[above[0]]))}" if len(above) else "no share (not even all inside)"
    return (
        f"Tightness of the rule of thumb (not part of the claim): the exploding rate first "
        f"exceeds one half in the bin of shares inside ±t_explode centred on {where}. As for "
        "A8, x ~ N(0, s²) has tails that the answer's proviso of no large x excludes."
    )


@check("A11")
def check_a11_explode_band(r: Results) -> ClaimResult:
    a = r.json(ANALYTIC)
    te2 = float(a["t_explode"]["2"]) if "2" in a["t_explode"] else float("nan")
    df = r.table(PRODUCTS)
    one = df[df["activation"] == "tanh_n1"]
    top1 = float(one["log10_max"].max()) if not one.empty else float("nan")
    big = _tanh_rows(df)
    big = big[(big["n"] > 1) & (big["K"] == big["K"].max()) & (big["s"] == big["s"].min())]
    samples = _samples(r)
    _, boom = _lim(r)
    conds = [
        part(
            f"n = {num(real(n), 6)}",
            _prob(
                f"P(product > {boom}), n = {num(real(n), 6)}",
                g,
                "p_explode",
                samples,
                MAJORITY,
                "above",
                strict=True,
            ),
        )
        for n, g in big.groupby("n")
    ]
    tree = all_of(
        "A11",
        [
            part(
                f"the band for n = 2 is ±{num(SOURCE_T_EXPLODE)}",
                exact(
                    f"|t_explode(2) − {num(SOURCE_T_EXPLODE)}|",
                    abs(te2 - SOURCE_T_EXPLODE),
                    THREE_DECIMALS,
                    "below",
                ),
            ),
            part(
                "plain tanh's products never exceed 1",
                exact("largest log10 product of tanh′ (n = 1)", top1, LOG_ROUNDOFF, "below"),
            ),
            across("n > 1 products explode near x = 0", conds),
            *_a11_rule_of_thumb(r),
        ],
    )
    probe = _probe_explosions(r)
    return result(
        tree,
        measured=f"t_explode(2) = {sig(te2, 4)}; largest product of tanh′ (n = 1): {pow10(top1)}; "
        f"P(exploded, K = {int(df['K'].max())}, s = {num(big['s'].min(), 6)}): "
        + stats.fmt_stats((c.name, c.stat) for c in conds),
        expected=f"derivative > 1 only inside ±{num(SOURCE_T_EXPLODE)} for n = 2; plain tanh's "
        "products never exceed 1; n > 1 products explode where x stays in the band; a product "
        "that does not explode has about half or more of its x outside the band",
        tolerance=f"|t_explode(2) − {num(SOURCE_T_EXPLODE)}| ≤ {num(THREE_DECIMALS)}; tanh′ "
        "product ≤ 1; "
        f"n > 1 explodes in > {pct(MAJORITY)} of samples at the smallest s (Wilson {CI}); the rule "
        f"of thumb is a necessary condition: among products within a decade of 1, the "
        f"{num(100 * CALM_QUANTILE, 6)} % quantile of the share inside ±t_explode must be ≤ "
        f"{num(HALF + HALF_TOL, 6)} ('about half or more outside'), mean over seeds",
        evidence="Closed-form threshold and Monte Carlo derivative products.",
        figures=[FIG_PROB],
        tables=[PRODUCTS, ANALYTIC],
        note=(
            "tanh's derivative cannot make a product explode, but a tanh network's gradient "
            "can: large weights multiply in too. Probe nets with ‖δ₁‖/‖δ_out‖ above "
            f"{num(10**BAD_DECADES, 6)}: {probe}. "
            if probe
            else ""
        )
        + _a11_turn(r),
        values={"t_explode_2": te2, "max_log10_tanh": top1},
    )


@check("A13")
def check_a13_expected_derivative(r: Results) -> ClaimResult:
    ex = r.table(EXPECTED)
    trap = ex[ex["method"] == "trapezoid"].sort_values(["s", "n"])
    tr = trap.set_index(["s", "n"])
    g = ex[ex["method"] == "monte_carlo"].groupby(["s", "n"])
    mc = g[["mean_deriv", "mean_log_deriv"]].mean()
    se = g[["se_deriv", "se_log_deriv"]].agg(_pooled_se)
    ref = tr.loc[mc.index]
    z_d = float(((mc["mean_deriv"] - ref["mean_deriv"]).abs() / se["se_deriv"]).max())
    z_log = float(((mc["mean_log_deriv"] - ref["mean_log_deriv"]).abs() / se["se_log_deriv"]).max())
    agree = z_d <= MC_SIGMAS and z_log <= MC_SIGMAS
    conds, falls_d = [], {}
    for s, gs in trap.groupby("s"):
        n = gs["n"].to_numpy()
        step_falls = np.diff(gs["mean_log_deriv"].to_numpy()) < 0
        falls_d[s] = float(np.mean(np.diff(gs["mean_deriv"].to_numpy()) < 0))
        mid_ns = (n[:-1] + n[1:]) / 2 * s
        for region, sel in (
            (f"n·s ≤ {num(NS_SPLIT)}", mid_ns <= NS_SPLIT),
            (f"n·s > {num(NS_SPLIT)}", mid_ns > NS_SPLIT),
        ):
            if sel.any():
                conds.append(
                    part(
                        f"s = {num(real(s), 6)}, {region}",
                        exact(
                            "share of n-grid steps on which E[ln f′] falls",
                            float(step_falls[sel].mean()),
                            MOSTLY,
                            "above",
                            strict=True,
                        ),
                    )
                )
    if agree:
        tree = across("A13", conds)
    else:
        tree = all_of(
            "A13",
            [
                untested(
                    "Monte Carlo and trapezoid rule agree",
                    f"Monte Carlo and the trapezoid rule disagree by up to {sig(max(z_d, z_log))} "
                    "standard errors: a numerical fault, not a finding",
                )
            ],
        )
    holds = [c.name for c in conds if c.verdict == "supported"]
    return result(
        tree,
        measured="share of n-grid steps on which E[ln f′] falls: "
        + ", ".join(f"{c.name}: {sig(c.stat.value)}" for c in conds)
        + "; on which E[f′] falls: "
        + ", ".join(f"s = {num(real(s), 6)}: {sig(v)}" for s, v in falls_d.items())
        + f"; Monte Carlo vs trapezoid within {sig(z_d)} (E[f′]) and {sig(z_log)} (E[ln f′]) "
        "standard errors",
        expected="the expected (log-)derivative falls as n grows",
        tolerance=f"per s and region of n·s (split at {num(NS_SPLIT)}): E[ln f′] falls on more "
        "than "
        f"{pct(MOSTLY)} of the n-grid steps (exact, trapezoid rule); the Monte Carlo must agree "
        f"within {num(MC_SIGMAS)} standard errors (else not tested); qualified when it holds in "
        "some regions only",
        evidence="E[n·sech²(n·x)] and E[ln(n·sech²(n·x))] for x ~ N(0, s²) on a fine n grid by "
        "trapezoid rule, Gauss-Hermite quadrature and Monte Carlo.",
        figures=["products_expected_derivative"],
        tables=[EXPECTED],
        note="sech²(n·x) does shrink faster than n grows at any fixed x ≠ 0, but the mean "
        "derivative under a Gaussian x rises with n. What falls is the mean log-derivative (the "
        f"per-layer rate of a long product), and only in: {', '.join(holds) or 'no region'}; "
        "for pre-activations concentrated near 0 a larger n makes the product grow.",
        values={"mc_z_deriv": z_d, "mc_z_log": z_log, "regions_hold": float(len(holds))},
    )


@check("B10")
def check_b10_relu_zero_one(r: Results) -> ClaimResult:
    df = r.table(PRODUCTS)
    relu = df[df["activation"] == "relu"]
    if relu.empty:
        raise MissingResult("the products study ran without ReLU")
    samples = _samples(r)
    exact01 = float(relu["p_exact_0_or_1"].min())
    distinct_relu = int(relu["n_distinct"].max())
    t = _tanh_rows(df)
    t = t[t["n"] != 1.0]
    cont = float((t["n_distinct"] / samples).min())
    kmax = int(df["K"].max())
    small = t[(t["K"] == kmax) & (t["n"] < 1)]
    s0 = float(t["s"].min())
    big = t[(t["K"] == kmax) & (t["n"] > 1) & (t["s"] == s0)]
    tiny, boom = _lim(r)
    vanish = [
        part(
            f"n = {num(real(n), 6)}, s = {num(real(s), 6)}",
            _prob(f"P(product < {tiny})", g, "p_vanish", samples, MAJORITY, "above"),
        )
        for (n, s), g in small.groupby(["n", "s"])
    ]
    explode = [
        part(
            f"n = {num(real(n), 6)}, s = {num(s0, 6)}",
            _prob(f"P(product > {boom})", g, "p_explode", samples, MAJORITY, "above", strict=True),
        )
        for n, g in big.groupby("n")
    ]
    tree = all_of(
        "B10",
        [
            part(
                "a product of ReLU derivatives is 0 or 1",
                exact("smallest share of ReLU products exactly 0 or 1", exact01, 1.0, "above"),
            ),
            part(
                "a smooth activation's product is not",
                exact("smallest share of distinct tanh(n·x) products", cont, CONTINUOUS, "above"),
            ),
            across("derivatives below 1 vanish with depth", vanish)
            if vanish
            else untested(
                "derivatives below 1 vanish with depth", "no n < 1 in the products study"
            ),
            across("derivatives above 1 explode with depth", explode)
            if explode
            else untested(
                "derivatives above 1 explode with depth", "no n > 1 in the products study"
            ),
        ],
    )
    k10 = 10 if (relu["K"] == 10).any() else int(relu["K"].min())
    pv = relu[relu["K"] == k10].groupby("seed")["p_vanish"].mean()
    return result(
        tree,
        measured=f"ReLU products exactly 0 or 1 in a share {sig(exact01)} of samples, at most "
        f"{distinct_relu} distinct values; tanh(n·x), n ≠ 1: ≥ {sig(cont)} of samples distinct; "
        f"ReLU P(product = 0, K = {k10}) = {spread(pv)}",
        expected="ReLU: only 0 or 1; derivatives below 1 vanish and above 1 explode with depth",
        tolerance=f"every ReLU product in {{0, 1}}; ≥ {pct(CONTINUOUS)} distinct values for "
        f"tanh(n·x); vanish/explode in > {pct(MAJORITY)} of products at K = {kmax} (Wilson {CI})",
        evidence=f"{num(samples)} Monte Carlo products of K ReLU / tanh(n·x) derivatives per "
        "(s, seed), x ~ N(0, s²).",
        figures=[FIG_PROB],
        tables=[PRODUCTS],
        note="Per path the factor is 0 or 1, so the derivatives never attenuate an update, "
        "but a weight's gradient sums many paths with weight products, so the update itself "
        "is not all-or-nothing; and with independent signs a path survives K layers with "
        "probability 2 to the power −K.",
        values={"relu_exact_fraction": exact01, "tanh_distinct_fraction": cont},
    )


@check("C10")
def check_c10_derivative_above_one(r: Results) -> ClaimResult:
    df = _tanh_rows(r.table(PRODUCTS))
    samples = _samples(r)
    kmax = int(df["K"].max())
    last = df[df["K"] == kmax]
    s0 = float(last["s"].min())
    _, boom = _lim(r)
    conds = [
        part(
            f"n = {num(real(n), 6)}",
            _prob(
                f"P(product > {boom}), n = {num(real(n), 6)}",
                g,
                "p_explode",
                samples,
                MAJORITY,
                "above",
                strict=True,
            ),
        )
        for n, g in last[(last["n"] > 1) & (last["s"] == s0)].groupby("n")
    ]
    never = float(df[df["n"] <= 1]["p_explode"].max()) if (df["n"] <= 1).any() else 0.0
    tree = all_of(
        "C10",
        [
            across("products of derivatives above 1 explode", conds),
            part(
                "products of derivatives at most 1 never do",
                exact(f"largest P(product > {boom}) for n ≤ 1", never, 0.0, "below"),
            ),
        ],
    )
    wide = last[(last["n"] > 1) & (last["s"] == last["s"].max())]["p_explode"].max()
    return result(
        tree,
        measured=f"P(product > {boom}, K = {kmax}, s = {num(s0, 6)}): "
        + stats.fmt_stats((c.name, c.stat) for c in conds)
        + f"; n ≤ 1: {sig(never)}; n > 1 at s = {num(last['s'].max(), 6)}: {sig(float(wide))}",
        expected="products explode where derivatives exceed 1",
        tolerance=f"> {pct(MAJORITY)} of products above {boom} at the smallest s for every n > 1 "
        f"(Wilson {CI} over the sampled products); none for n ≤ 1",
        evidence=f"{num(samples)} Monte Carlo products per (n, s, seed) of K tanh(n·x) "
        "derivatives at "
        "x ~ N(0, s²).",
        figures=[FIG_PROB],
        tables=[PRODUCTS],
        note="Only while the pre-activations stay in the narrow band where the derivative "
        "exceeds 1 (|x| < t_explode(n)); with wider x the same activations vanish instead.",
        values={"p_explode_max_n_le_1": never},
    )
