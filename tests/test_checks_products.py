"""The products checks (A1, A3, A7, A8, A9, A11, A13, B10, C10) driven to each verdict
by small synthetic Monte Carlo and analytic tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from vanishing.claims import checks_products as cp
from vanishing.claims.registry import Results
from vanishing.machinery.pipeline import results_at

from .tables import write


def _products(p_above=0.9, p_explode=0.9, top1=-1e-3, relu_exact=1.0, distinct=1.0):
    rows = []
    for act, n in [("tanh_n0.5", 0.5), ("tanh_n1", 1.0), ("tanh_n2", 2.0), ("relu", np.nan)]:
        for s in (0.25, 1.0):
            for k in (1, 10):
                for seed in (0, 1):
                    small = s == 0.25
                    grow = n == 2.0 and small
                    rows.append(
                        {
                            "activation": act,
                            "n": n,
                            "s": s,
                            "K": k,
                            "seed": seed,
                            "p_vanish": 0.0 if grow else (0.5 if k == 1 else 1.0),
                            "p_explode": p_explode if grow and k == 10 else 0.0,
                            "p_above1": p_above if grow else 0.0,
                            "p_exact_0_or_1": relu_exact if act == "relu" else 0.0,
                            "n_distinct": 2 if act == "relu" else distinct * 100,
                            "log10_median": (1.0 * k if grow else -0.1 * k * (1 + s)),
                            "log10_min": -5.0 * k,
                            "log10_max": (2.0 * k if grow else top1),
                            "log10_q01": -5.0 * k,
                            "log10_q99": 1.0,
                        }
                    )
    return pd.DataFrame(rows)


def _analytic(sup=1.0, t_one=9.011, te2=0.4407, argmax=0.0):
    return {
        "maxima": [{"n": n, "argmax": argmax, "max": n} for n in (0.5, 1.0, 2.0)],
        "pair_bound": [
            {"n": 2.0, "t1": 0.658, "sup": sup, "argmax_x1": 0.0, "argmax_abs_x2": 0.658}
        ],
        "t_explode": {"2": te2},
        "t1": {"2": 0.658},
        "cancel": {"n": 2.0, "K": 50, "t_k_one": t_one, "t_k_two": 4.68},
        "params": {
            "samples": 100,
            "vanish": 1e-6,
            "explode": 1e6,
            "cancel_bad_lo": 5.0,
            "cancel_bad_hi": 10.0,
            "cancel_good_scale": 0.1,
        },
    }


def _expected(d_slope=0.1, log_shape="peak", n1_rate=None):
    rows = []
    ns = [0.5, 1.0, 2.0, 3.0]
    for s in (0.25, 1.0):
        for i, n in enumerate(ns):
            # Every shape keeps plain tanh's (n = 1) rate negative, as A3 needs.
            ld = {"peak": -abs(n * s - 1) - 0.01, "rise": 0.1 * n - 0.5, "fall": -0.1 * n}[
                log_shape
            ]
            if n == 1.0 and n1_rate is not None:
                ld = n1_rate
            d = 1.0 + d_slope * n
            for method in ("trapezoid", "quadrature"):
                rows.append(
                    {
                        "method": method,
                        "n": n,
                        "s": s,
                        "seed": np.nan,
                        "mean_deriv": d,
                        "mean_log_deriv": ld,
                    }
                )
            if i in (1, 2):
                for seed in (0, 1):
                    rows.append(
                        {
                            "method": "monte_carlo",
                            "n": n,
                            "s": s,
                            "seed": seed,
                            "mean_deriv": d * (1 + 1e-4 * seed),
                            "mean_log_deriv": ld,
                            "se_deriv": 1e-3,
                            "se_log_deriv": 1e-3,
                        }
                    )
    return pd.DataFrame(rows)


def _pairs(top=-0.5):
    rows = []
    for s in (0.25, 1.0):
        for k in (1, 10):
            for seed in (0, 1):
                for kind, f in (("pairs", -0.3), ("tanh", -0.03)):
                    rows.append(
                        {
                            "n": 2.0,
                            "s": s,
                            "K": k,
                            "seed": seed,
                            "kind": kind,
                            "mean_log10_factor": f,
                            "p_vanish": 0.5,
                            "log10_max": top if kind == "pairs" else -0.01,
                        }
                    )
    return pd.DataFrame(rows)


def _inside(f_cross=0.75, survivor=0.7, cross_by_seed=None, survivor_by_seed=None, calm=0.5):
    rows = []
    for seed in (0, 1):
        fc = cross_by_seed[seed] if cross_by_seed else f_cross
        surv = survivor_by_seed[seed] if survivor_by_seed else survivor
        for i in range(10):
            lo = i / 10
            mid = lo + 0.05
            rows.append(
                {
                    "kind": "bin",
                    "seed": seed,
                    "n": 2.0,
                    "K": 50,
                    "t1": 0.658,
                    "f_lo": lo,
                    "f_hi": lo + 0.1,
                    "count": 100,
                    "p_vanish": 1.0 if mid < fc else 0.0,
                    "p_above1": 0.0,
                }
            )
        rows.append(
            {
                "kind": "overall",
                "seed": seed,
                "n": 2.0,
                "K": 50,
                "t1": 0.658,
                "f_lo": np.nan,
                "f_hi": np.nan,
                "count": 500,
                "p_vanish": 0.5,
                "p_above1": 0.2,
                "survivor_f_q05": surv,
                "survivor_f_min": surv,
                "vanished_f_q95": 0.6,
                "calm_fe_q95": calm,
            }
        )
    return pd.DataFrame(rows)


def _cancel(p_two=1.0):
    rows = [
        {
            "kind": "exact",
            "m_bad": m,
            "x_bad": x,
            "seed": np.nan,
            "log10_product": 1.0,
            "p_below1": 0.0,
        }
        for m in (1, 2)
        for x in (5.0, 7.0, 9.0)
    ]
    for seed in (0, 1):
        for m, p in ((0, 0.0), (1, 0.3), (2, p_two)):
            rows.append(
                {
                    "kind": "monte_carlo",
                    "m_bad": m,
                    "x_bad": np.nan,
                    "seed": seed,
                    "log10_product": 0.0,
                    "p_below1": p,
                }
            )
    return pd.DataFrame(rows)


def _write(
    root: Path, products=None, analytic=None, expected=None, pairs=None, inside=None, cancel=None
) -> Results:
    write(root, "products.products", products if products is not None else _products())
    write(root, "products.analytic", analytic or _analytic())
    write(root, "products.expected", expected if expected is not None else _expected())
    write(root, "products.pairs", pairs if pairs is not None else _pairs())
    write(root, "products.inside", inside if inside is not None else _inside())
    write(root, "products.cancellation", cancel if cancel is not None else _cancel())
    return results_at(root)


def v(fn, root: Path, **kw) -> str:
    return fn(_write(root, **kw)).verdict


def test_a1_states(tmp_path: Path) -> None:
    f = cp.check_a1_max_derivative
    assert v(f, tmp_path / "a") == "supported"
    assert v(f, tmp_path / "b", products=_products(p_above=0.1)) == "refuted"
    assert v(f, tmp_path / "c", analytic=_analytic(argmax=0.3)) == "refuted"
    assert v(f, tmp_path / "d", products=_products(p_above=0.5)) == "inconclusive"


def test_a3_states(tmp_path: Path) -> None:
    f = cp.check_a3_tanh_product_vanishes
    assert v(f, tmp_path / "a") == "supported"
    assert v(f, tmp_path / "b", products=_products(top1=0.2)) == "refuted"
    assert v(f, tmp_path / "c", expected=_expected(n1_rate=0.0)) == "inconclusive"


def test_a7_states(tmp_path: Path) -> None:
    f = cp.check_a7_pairs
    assert v(f, tmp_path / "a") == "supported"
    assert v(f, tmp_path / "b", analytic=_analytic(sup=1.3)) == "refuted"
    assert v(f, tmp_path / "c", pairs=_pairs(top=0.4)) == "refuted"


def test_a8_states(tmp_path: Path) -> None:
    f = cp.check_a8_half_inside
    assert v(f, tmp_path / "a", inside=_inside(f_cross=0.5, survivor=0.5)) == "supported"
    # a necessary condition: a loose bound (products survive only from 0.75 inside) still
    # holds; its tightness is reported in the note, not tested
    res = f(_write(tmp_path / "b", inside=_inside(f_cross=0.75, survivor=0.7)))
    assert res.verdict == "supported" and "about 0.7 " in res.note and "loose" in res.note
    assert v(f, tmp_path / "c", inside=_inside(f_cross=0.5, survivor=0.2)) == "refuted"
    r = _inside(survivor_by_seed={0: 0.2, 1: 0.5})
    assert v(f, tmp_path / "d", inside=r) == "inconclusive"


def test_a9_states(tmp_path: Path) -> None:
    f = cp.check_a9_cancellation
    assert v(f, tmp_path / "a") == "supported"
    assert v(f, tmp_path / "b", cancel=_cancel(p_two=0.5)) == "refuted"
    assert v(f, tmp_path / "c", analytic=_analytic(t_one=7.5)) == "refuted"
    assert v(f, tmp_path / "d", cancel=_cancel(p_two=0.95)) == "inconclusive"


def test_a11_states(tmp_path: Path) -> None:
    f = cp.check_a11_explode_band
    assert v(f, tmp_path / "a") == "supported"
    assert v(f, tmp_path / "b", analytic=_analytic(te2=0.5)) == "refuted"
    assert v(f, tmp_path / "c", products=_products(top1=0.2)) == "refuted"
    assert v(f, tmp_path / "d", products=_products(p_explode=0.5)) == "inconclusive"
    # the rule of thumb, a necessary condition for not exploding: products that stayed
    # near O(1) have at most about half of their x inside the band
    assert v(f, tmp_path / "e", inside=_inside(calm=0.9)) == "refuted"


def test_a13_states(tmp_path: Path) -> None:
    f = cp.check_a13_expected_derivative
    assert v(f, tmp_path / "a") == "qualified"
    assert v(f, tmp_path / "b", expected=_expected(d_slope=-0.1, log_shape="fall")) == "supported"
    assert v(f, tmp_path / "c", expected=_expected(log_shape="rise")) == "refuted"
    bad = _expected()
    bad.loc[bad["method"] == "monte_carlo", "mean_deriv"] += 0.5  # a numerical fault
    assert v(f, tmp_path / "d", expected=bad) == "not tested"


def test_b10_states(tmp_path: Path) -> None:
    f = cp.check_b10_relu_zero_one
    assert v(f, tmp_path / "a") == "supported"
    assert v(f, tmp_path / "b", products=_products(relu_exact=0.9)) == "refuted"
    assert v(f, tmp_path / "c", products=_products(p_explode=0.5)) == "inconclusive"


def test_c10_states(tmp_path: Path) -> None:
    f = cp.check_c10_derivative_above_one
    assert v(f, tmp_path / "a") == "supported"
    assert v(f, tmp_path / "b", products=_products(p_explode=0.1)) == "refuted"
    assert v(f, tmp_path / "c", products=_products(p_explode=0.5)) == "inconclusive"
