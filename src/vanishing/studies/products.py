"""Products of K activation derivatives at Gaussian pre-activations (claims A1, A3, A7-A9,
A11, A13, B10, C10).

The source's analysis (thread A) multiplies K derivatives f'(x_1)...f'(x_K) and leaves the
weights out. This study does exactly that by Monte Carlo: x_i ~ N(0, s²) independently, the
product is accumulated as a sum of log-derivatives (a product of 100 factors under/overflows
float64 long before the question is settled), and its distribution is summarised per
(activation, n, s, K, seed). Numpy only: no network is trained here.

Outputs, in the rule's order:
  products.csv      per (activation, n, s, K, seed): vanish/explode/above-1 probabilities and
                    log10 quantiles of the product
  expected.csv      E[f'(x)] and E[ln f'(x)] vs n: Monte Carlo per seed, Gauss-Hermite
                    quadrature and a dense trapezoid rule on a fine n grid
  pairs.csv         A7: K pairs (one x anywhere, one with |x| > t1(n)) vs K tanh(x) derivatives
  inside.csv        A8: vanishing rate per bin of the fraction of x inside [-t1, t1] (n = 2);
                    A11: exploding rate per bin of the fraction inside [-t_explode, t_explode]
  cancellation.csv  A9: a few x far out against many x near zero (exact and Monte Carlo)
  analytic.json     A1/A7/A9/A11: numerically located maxima, pair bound on a grid, thresholds
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import theory
from ..core.mean_field import gauss_expectation
from ..machinery.config_check import check_params
from ..machinery.params.products import Params
from ..machinery.tables import Tables

log = logging.getLogger("vanishing.studies.products")

LOG10E = math.log10(math.e)
# Salts keep the random streams of the sub-experiments apart for the same seed.
SALT_MAIN, SALT_PAIRS, SALT_INSIDE, SALT_CANCEL = 0, 1, 2, 3


# ---- derivatives in log space -------------------------------------------------


def log_sech(y: np.ndarray) -> np.ndarray:
    """ln sech(y) without overflow: -|y| + ln 2 - ln(1 + e^{-2|y|})."""
    a = np.abs(y)
    return -a + math.log(2.0) - np.log1p(np.exp(-2.0 * a))


def log_tanh_n_derivative(x: np.ndarray, n: float) -> np.ndarray:
    """ln of d/dx tanh(n x) = ln n + 2 ln sech(n x): finite for any finite x."""
    return math.log(n) + 2.0 * log_sech(n * x)


def log_relu_derivative(x: np.ndarray) -> np.ndarray:
    """ln of ReLU's derivative: 0 where x > 0, -inf elsewhere (autograd gives 0 at x = 0)."""
    return np.where(x > 0, 0.0, -np.inf)


def rng(seed: int, salt: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), salt])


# ---- summaries of log-products --------------------------------------------------


def summarise_log10(log10_prod: np.ndarray, vanish: float, explode: float) -> dict[str, float]:
    """Probabilities and quantiles of one sample of log10 products (may contain -inf)."""
    # inverted_cdf picks sample values, so -inf never meets interpolation (which gives NaN).
    q = np.quantile(log10_prod, [0.01, 0.5, 0.99], method="inverted_cdf")
    return {
        "p_vanish": float(np.mean(log10_prod < math.log10(vanish))),
        "p_explode": float(np.mean(log10_prod > math.log10(explode))),
        "p_above1": float(np.mean(log10_prod > 0.0)),
        "p_exact_0_or_1": float(np.mean((log10_prod == 0.0) | np.isneginf(log10_prod))),
        "n_distinct": float(np.unique(log10_prod).size),
        "log10_q01": float(q[0]),
        "log10_median": float(q[1]),
        "log10_q99": float(q[2]),
        "log10_min": float(np.min(log10_prod)),
        "log10_max": float(np.max(log10_prod)),
    }


def product_table(p: Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Main Monte Carlo: (products rows, Monte Carlo expected-derivative rows)."""
    kmax = max(p.ks)
    acts: list[tuple[str, float]] = [(f"tanh_n{n:g}", float(n)) for n in p.ns]
    if p.relu:
        acts.append(("relu", float("nan")))
    rows, exp_rows = [], []
    for (name, n), s, seed in ((a, s, seed) for a in acts for s in p.scales for seed in p.seeds):
        # One stream per (n, s, seed), so adding an n or an s leaves the others unchanged.
        salt = SALT_MAIN * 1_000_003 + int(round(1000 * (0 if math.isnan(n) else n)))
        x = rng(seed, salt + int(round(1e6 * s))).normal(0.0, s, size=(p.samples, kmax))
        logd = log_relu_derivative(x) if name == "relu" else log_tanh_n_derivative(x, n)
        # Nested products: the K-th column uses the first K factors of each row.
        cum = np.cumsum(logd, axis=1) * LOG10E
        for k in p.ks:
            rows.append(
                {
                    "activation": name,
                    "n": n,
                    "s": s,
                    "K": k,
                    "seed": seed,
                    **summarise_log10(cum[:, k - 1], p.vanish, p.explode),
                }
            )
        if name != "relu":
            d = np.exp(logd)
            exp_rows.append(
                {
                    "method": "monte_carlo",
                    "n": n,
                    "s": s,
                    "seed": seed,
                    "mean_deriv": float(np.mean(d)),
                    "mean_log_deriv": float(np.mean(logd)),
                    # Standard errors of the two means (the draws are independent).
                    "se_deriv": float(np.std(d) / math.sqrt(d.size)),
                    "se_log_deriv": float(np.std(logd) / math.sqrt(logd.size)),
                }
            )
    return pd.DataFrame(rows), pd.DataFrame(exp_rows)


# ---- A13: expected derivative by two deterministic methods ----------------------


def trapezoid_expectation(fn, s: float, points: int) -> float:
    """E[fn(x)], x ~ N(0, s²), by the trapezoid rule on z = x/s in [-12, 12].

    Standardised units keep the grid fixed while fn saturates on the scale 1/(n s) in z;
    with 40,001 points the spacing (6e-4) resolves that down to n·s ≈ 100."""
    z = np.linspace(-12.0, 12.0, points)
    w = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return float(np.trapezoid(w * fn(s * z), z))


def expected_table(p: Params, mc: pd.DataFrame) -> pd.DataFrame:
    grid = np.linspace(p.n_grid_max / p.n_grid_points, p.n_grid_max, p.n_grid_points)
    ns = sorted({*map(float, grid), *map(float, p.ns)})
    rows = []
    for s in p.scales:
        for n in ns:
            d = partial(theory.tanh_n_derivative, n=n)
            ld = partial(log_tanh_n_derivative, n=n)
            rows.append(
                {
                    "method": "quadrature",
                    "n": n,
                    "s": s,
                    "seed": np.nan,
                    "mean_deriv": gauss_expectation(d, s * s, p.quad_order),
                    "mean_log_deriv": gauss_expectation(ld, s * s, p.quad_order),
                }
            )
            rows.append(
                {
                    "method": "trapezoid",
                    "n": n,
                    "s": s,
                    "seed": np.nan,
                    "mean_deriv": trapezoid_expectation(d, s, p.trapezoid_points),
                    "mean_log_deriv": trapezoid_expectation(ld, s, p.trapezoid_points),
                }
            )
    return pd.concat([mc, pd.DataFrame(rows)], ignore_index=True)


# ---- A7: pairs --------------------------------------------------------------------


def gaussian_tail(g: np.random.Generator, s: float, t: float, size: int) -> np.ndarray:
    """|x| > t for x ~ N(0, s²), random sign: exact samples by rejection.

    Plain rejection while the tail holds a fair share of the mass; otherwise the
    exponential-proposal sampler (Robert 1995), whose acceptance rises with t/s."""
    a = t / s
    out: list[np.ndarray] = []
    have = 0
    while have < size:
        need = size - have
        if a < 1.0:
            z = g.normal(size=2 * need + 64)
            z = np.abs(z[np.abs(z) > a])
        else:
            lam = 0.5 * (a + math.sqrt(a * a + 4.0))
            z = a + g.exponential(1.0 / lam, size=2 * need + 64)
            z = z[g.random(z.size) < np.exp(-0.5 * (z - lam) ** 2)]
        out.append(z[:need])
        have += out[-1].size
    sign = np.where(g.random(size) < 0.5, -1.0, 1.0)
    return sign * s * np.concatenate(out)[:size]


def pair_table(p: Params) -> pd.DataFrame:
    """K pair-factors f'(x1) f'(x2), x1 ~ N(0, s²), x2 ~ N(0, s²) given |x2| > t1(n),
    against K tanh(x) derivatives at z ~ N(0, s²): probabilities and log10 quantiles."""
    kmax = max(p.ks)
    rows = []
    for n in p.pair_ns:
        t = float(theory.t1(n))
        for s in p.scales:
            for seed in p.seeds:
                g = rng(seed, SALT_PAIRS * 1_000_003 + int(round(1000 * n)) + int(1e6 * s))
                m = p.pair_samples
                x1 = g.normal(0.0, s, size=(m, kmax))
                x2 = gaussian_tail(g, s, t, m * kmax).reshape(m, kmax)
                z = g.normal(0.0, s, size=(m, kmax))
                pair = log_tanh_n_derivative(x1, n) + log_tanh_n_derivative(x2, n)
                plain = log_tanh_n_derivative(z, 1.0)
                for kind, logd in (("pairs", pair), ("tanh", plain)):
                    cum = np.cumsum(logd, axis=1) * LOG10E
                    for k in p.ks:
                        rows.append(
                            {
                                "n": n,
                                "s": s,
                                "K": k,
                                "seed": seed,
                                "kind": kind,
                                "mean_log10_factor": float(np.mean(logd) * LOG10E),
                                **summarise_log10(cum[:, k - 1], p.vanish, p.explode),
                            }
                        )
    return pd.DataFrame(rows)


def pair_bound(n: float, points: int = 2001, span: float = 12.0) -> dict[str, float]:
    """sup of f'(x1) f'(x2) over a dense grid of x1 and of |x2| >= t1(n), plus where."""
    t = float(theory.t1(n))
    x1 = np.linspace(-span, span, points)
    x2 = np.concatenate([np.linspace(t, span, points), -np.linspace(t, span, points)])
    ld = log_tanh_n_derivative(x1, n)[:, None] + log_tanh_n_derivative(x2, n)[None, :]
    i, j = np.unravel_index(int(np.argmax(ld)), ld.shape)
    return {
        "n": n,
        "t1": t,
        "sup": float(np.exp(ld[i, j])),
        "argmax_x1": float(x1[i]),
        "argmax_abs_x2": float(abs(x2[j])),
    }


# ---- A8: fraction inside [-t1, t1] vs vanishing --------------------------------


def _share_bins(
    p: Params,
    edges: np.ndarray,
    share: np.ndarray,
    l10: np.ndarray,
    keys: dict[str, Any],
    explode: bool = False,
) -> list[dict[str, Any]]:
    """One row per bin of ``share`` (the fraction of a product's x inside a band): how
    many products fell in it and the share of them that vanished, exceeded 1 and (with
    ``explode``) exploded. ``l10``: the products' log10."""
    # Right-closed last bin so that "all inside" (share = 1) is counted.
    b = np.clip(np.digitize(share, edges[1:-1], right=False), 0, p.inside_bins - 1)
    rows = []
    for i in range(p.inside_bins):
        m = b == i
        row = {
            "kind": keys["kind"],
            "seed": keys["seed"],
            "n": p.inside_n,
            "K": p.inside_k,
            "t1": keys["t1"],
            "f_lo": edges[i],
            "f_hi": edges[i + 1],
            "count": int(m.sum()),
            "p_vanish": float(np.mean(l10[m] < math.log10(p.vanish))) if m.any() else np.nan,
            "p_above1": float(np.mean(l10[m] > 0)) if m.any() else np.nan,
        }
        if explode:
            row["p_explode"] = float(np.mean(l10[m] > math.log10(p.explode))) if m.any() else np.nan
        rows.append(row)
    return rows


def inside_table(p: Params) -> pd.DataFrame:
    """Per seed and bin of the fraction of the K x's inside |x| < t1(n): vanishing rate."""
    t = float(theory.t1(p.inside_n))
    te = float(theory.t_explode(p.inside_n))
    edges = np.linspace(0.0, 1.0, p.inside_bins + 1)
    rows = []
    for seed in p.seeds:
        frac, frac_e, lp = [], [], []
        for s in p.inside_scales:
            g = rng(seed, SALT_INSIDE * 1_000_003 + int(round(1e6 * s)))
            x = g.normal(0.0, s, size=(p.samples, p.inside_k))
            frac.append(np.mean(np.abs(x) < t, axis=1))
            frac_e.append(np.mean(np.abs(x) < te, axis=1))
            lp.append(np.sum(log_tanh_n_derivative(x, p.inside_n), axis=1) * LOG10E)
        f, fe, l10 = np.concatenate(frac), np.concatenate(frac_e), np.concatenate(lp)
        # A8: the products binned by the share of x inside ±t1; A11's rule of thumb, the
        # counterpart: the same products binned by the share inside the exploding band
        # |x| < t_explode(n), where f′ > 1.
        rows += _share_bins(p, edges, f, l10, {"kind": "bin", "seed": seed, "t1": t})
        rows += _share_bins(
            p, edges, fe, l10, {"kind": "bin_explode", "seed": seed, "t1": te}, explode=True
        )
        ok = l10 >= math.log10(p.vanish)
        # "near O(1)": within a decade of 1 (the answer contrasts O(1) with O(n^K))
        calm = np.abs(l10) <= 1.0
        # The smallest fractions inside with which a product still survived.
        rows.append(
            {
                "kind": "overall",
                "seed": seed,
                "n": p.inside_n,
                "K": p.inside_k,
                "t1": t,
                "f_lo": np.nan,
                "f_hi": np.nan,
                "count": int(ok.sum()),
                "p_vanish": float(1 - ok.mean()),
                "p_above1": float(np.mean(l10 > 0)),
                "survivor_f_q05": float(np.quantile(f[ok], 0.05)) if ok.any() else np.nan,
                "survivor_f_min": float(f[ok].min()) if ok.any() else np.nan,
                "vanished_f_q95": float(np.quantile(f[~ok], 0.95)) if (~ok).any() else np.nan,
                # A11: the share inside the exploding band of the products that stayed
                # near O(1) (the answer: half or more of those lie outside the band)
                "calm_fe_q95": float(np.quantile(fe[calm], 0.95)) if calm.any() else np.nan,
            }
        )
    return pd.DataFrame(rows)


# ---- A9: a few x far out cancel many good ones -----------------------------------


def cancellation_table(p: Params) -> pd.DataFrame:
    n, k = p.cancel_n, p.cancel_k
    rows = []
    # Exact: K - m derivatives at the best point x = 0 (each = n), m at x_bad.
    for m in (1, 2):
        for x_bad in np.arange(p.cancel_bad_lo, p.cancel_bad_hi + 0.5, 1.0):
            l10 = (
                (k - m) * math.log(n) + m * float(log_tanh_n_derivative(np.asarray(x_bad), n))
            ) * LOG10E
            rows.append(
                {
                    "kind": "exact",
                    "m_bad": m,
                    "x_bad": float(x_bad),
                    "seed": np.nan,
                    "log10_product": l10,
                    "p_below1": float(l10 < 0),
                }
            )
    # Monte Carlo: good x ~ N(0, good²), bad |x| ~ U[lo, hi].
    for seed in p.seeds:
        g = rng(seed, SALT_CANCEL)
        for m in (0, 1, 2):
            good = g.normal(0.0, p.cancel_good_scale, size=(p.samples, k - m))
            bad = g.uniform(p.cancel_bad_lo, p.cancel_bad_hi, size=(p.samples, m))
            l10 = (
                log_tanh_n_derivative(good, n).sum(1) + log_tanh_n_derivative(bad, n).sum(1)
            ) * LOG10E
            rows.append(
                {
                    "kind": "monte_carlo",
                    "m_bad": m,
                    "x_bad": np.nan,
                    "seed": seed,
                    "log10_product": float(np.median(l10)),
                    "p_below1": float(np.mean(l10 < 0)),
                }
            )
    return pd.DataFrame(rows)


# ---- analytic / numerical scalars -------------------------------------------------


def break_even(n: float, points: int) -> dict[str, float]:
    """The s at which E[ln f'(x)] = 0 for x ~ N(0, s²) (the median product neither grows nor
    shrinks with K), and the share of x inside [-t1, t1] there: the exact form of A8's rule."""

    def rate(s: float) -> float:
        return trapezoid_expectation(partial(log_tanh_n_derivative, n=n), s, points)

    # E[ln f'] falls monotonically in s (ln sech falls in |x|) from ln n > 0: one root.
    s0 = theory.bisect_threshold(rate, 0.0, 1e-3, 10.0, tol=1e-10)
    t = float(theory.t1(n))
    return {"n": n, "s": s0, "t1": t, "frac_inside": math.erf(t / (s0 * math.sqrt(2)))}


def analytic(p: Params) -> dict:
    maxima = []
    for n in sorted({*p.ns, *p.pair_ns}):

        def derivative(x: float, n: float = n) -> float:
            return float(theory.tanh_n_derivative(x, n))

        # Located numerically: the claim (A1) is that it is n at x = 0.
        x, v = theory.golden_section_max(derivative, -5.0, 4.0)
        maxima.append({"n": n, "argmax": x, "max": v})
    te = {f"{n:g}": float(theory.t_explode(n)) for n in sorted({*p.ns, *p.pair_ns}) if n > 1}
    n, k = p.cancel_n, p.cancel_k
    return {
        "maxima": maxima,
        "pair_bound": [pair_bound(n_) for n_ in p.pair_ns],
        "t_explode": te,
        "t1": {f"{n_:g}": float(theory.t1(n_)) for n_ in sorted({*p.ns, *p.pair_ns}) if n_ > 1},
        "cancel": {
            "n": n,
            "K": k,
            # One x beyond t_k(n, K) undoes K - 1 perfect factors (each = n); two x beyond
            # t_k(n, K/2) undo K - 2 of them (each derivative below n^-(K-2)/2).
            "t_k_one": float(theory.t_k(n, k)),
            "t_k_two": float(theory.t_k(n, (k - 2) / 2 + 1)),  # type: ignore[arg-type]
        },
        "break_even": break_even(p.inside_n, p.trapezoid_points),
        "params": asdict(p),
    }


def run(p: Params, inputs: Tables, outputs: dict[str, Path]) -> None:
    check_params(p)  # the config was checked; a direct caller's params too
    out_products, out_expected, out_pairs, out_inside, out_cancel, out_json = (
        outputs[k] for k in ("products", "expected", "pairs", "inside", "cancellation", "analytic")
    )
    products, mc = product_table(p)
    products.to_csv(out_products, index=False)
    log.info("products: %d rows", len(products))
    expected_table(p, mc).to_csv(out_expected, index=False)
    pair_table(p).to_csv(out_pairs, index=False)
    log.info("pairs done")
    inside_table(p).to_csv(out_inside, index=False)
    cancellation_table(p).to_csv(out_cancel, index=False)
    out_json.write_text(json.dumps(analytic(p), indent=2, allow_nan=True) + "\n")
    log.info("analytic done")
