"""The products study (derivative products in log space) and its claim checks."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from vanishing import theory
from vanishing.activations import derivative, get_activation
from vanishing.claims import checks_products as cp
from vanishing.claims.registry import Results
from vanishing.pipeline import results_at, run_stage
from vanishing.studies import products as P

# ---- the study's numerics -------------------------------------------------------


@pytest.mark.parametrize("n", [0.5, 1.0, 2.0, 3.0])
def test_log_derivative_matches_autograd(n: float) -> None:
    x = torch.linspace(-8, 8, 401, dtype=torch.float64)
    ref = derivative(get_activation(f"tanh_n{n:g}"), x).numpy()
    mine = np.exp(P.log_tanh_n_derivative(x.numpy(), n))
    # Autograd forms 1 - tanh², which cancels to 0 in float64 once tanh rounds to 1: compare
    # where it keeps relative precision, and require only "tiny" where it has underflowed.
    ok = ref > 1e-8
    np.testing.assert_allclose(mine[ok], ref[ok], rtol=1e-7)
    assert np.all(mine[~ok] < 1e-7)


def test_log_derivative_stays_finite_where_float64_underflows() -> None:
    # 2·sech²(2·400) underflows to 0 in float64; its log is still resolvable.
    val = P.log_tanh_n_derivative(np.array([400.0]), 2.0)[0]
    assert math.isfinite(val)
    assert val == pytest.approx(math.log(2) + 2 * (math.log(2) - 800), rel=1e-12)


def test_relu_log_derivative_matches_autograd() -> None:
    x = torch.tensor([-1.0, 0.0, 1e-8, 3.0], dtype=torch.float64)
    ref = derivative(get_activation("relu"), x).numpy()
    np.testing.assert_array_equal(np.exp(P.log_relu_derivative(x.numpy())), ref)


@pytest.mark.parametrize(("s", "t"), [(1.0, 0.3), (0.25, 0.658)])  # both sampler branches
def test_gaussian_tail_is_the_conditional_law(s: float, t: float) -> None:
    x = P.gaussian_tail(np.random.default_rng(0), s, t, 40_000)
    assert np.all(np.abs(x) > t)
    assert abs(np.mean(x > 0) - 0.5) < 0.02
    # E[|x| | |x| > t] by a trapezoid rule on the tail, independent of the sampler.
    z = np.linspace(t, t + 12 * s, 200_001)
    w = np.exp(-0.5 * (z / s) ** 2)
    expected = np.trapezoid(z * w, z) / np.trapezoid(w, z)
    assert np.mean(np.abs(x)) == pytest.approx(expected, rel=0.01)


def test_summarise_counts_events_and_keeps_minus_inf() -> None:
    out = P.summarise_log10(np.array([-np.inf, -7.0, 0.0, 0.5, 7.0]), 1e-6, 1e6)
    assert out["p_vanish"] == pytest.approx(0.4)
    assert out["p_explode"] == pytest.approx(0.2)
    assert out["p_above1"] == pytest.approx(0.4)
    assert out["p_exact_0_or_1"] == pytest.approx(0.4)
    assert out["log10_min"] == -np.inf and out["log10_max"] == 7.0


def test_trapezoid_expectation_against_closed_forms() -> None:
    assert P.trapezoid_expectation(lambda x: x**2, 1.7, 4001) == pytest.approx(1.7**2, 1e-10)
    # E[tanh'(x)] for a very narrow x: the derivative at 0 minus the curvature term.
    s = 1e-3
    assert P.trapezoid_expectation(
        lambda x: theory.tanh_n_derivative(x, 1.0), s, 4001
    ) == pytest.approx(1 - s * s, rel=1e-9)


def test_break_even_against_monte_carlo() -> None:
    be = P.break_even(2.0, 4001)
    x = np.random.default_rng(1).normal(0.0, be["s"], 400_000)
    ld = P.log_tanh_n_derivative(x, 2.0)
    assert abs(ld.mean()) < 4 * ld.std() / math.sqrt(x.size)  # E[ln f'] = 0 there
    assert np.mean(np.abs(x) < be["t1"]) == pytest.approx(be["frac_inside"], abs=0.005)


def test_pair_bound_is_one_at_the_edge() -> None:
    b = P.pair_bound(2.0, points=401)
    assert b["sup"] == pytest.approx(1.0, abs=1e-12)
    assert b["argmax_x1"] == 0.0 and b["argmax_abs_x2"] == pytest.approx(b["t1"])


TINY = {
    "ns": [1.0, 2.0],
    "scales": [0.25, 1.0],
    "ks": [1, 5],
    "samples": 60,
    "seeds": [0, 1],
    "n_grid_points": 4,
    "trapezoid_points": 2001,
    "pair_ns": [2.0],
    "pair_samples": 20,
    "inside_scales": [0.4, 0.8],
    "inside_k": 10,
    "cancel_k": 10,
}
NAMES = [
    "products.csv",
    "expected.csv",
    "pairs.csv",
    "inside.csv",
    "cancellation.csv",
    "analytic.json",
]


def test_run_is_deterministic_and_consistent(tmp_path: Path) -> None:
    outs = [list(run_stage("products", TINY, tmp_path / d).values()) for d in ("a", "b")]
    for a, b in zip(*outs, strict=True):
        assert a.read_bytes() == b.read_bytes()
    df = pd.read_csv(outs[0][0])
    # Nested products of the same draws: K = 1 medians must match single derivatives' law.
    one = df[(df["activation"] == "tanh_n1")]
    assert (one["log10_max"] <= 1e-12).all()  # tanh' <= 1, so no product exceeds 1
    relu = df[df["activation"] == "relu"]
    assert set(relu["p_exact_0_or_1"]) == {1.0}


def test_params_validate_names_the_field() -> None:
    with pytest.raises(ValueError, match="pair_ns"):
        P.Params(pair_ns=[1.0]).validate()


# ---- synthetic tables for the checks ----------------------------------------------


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
        "params": {"samples": 100},
    }


def _expected(d_slope=0.1, log_shape="peak"):
    rows = []
    ns = [0.5, 1.0, 2.0, 3.0]
    for s in (0.25, 1.0):
        for i, n in enumerate(ns):
            # Every shape keeps plain tanh's (n = 1) rate negative, as A3 needs.
            ld = {"peak": -abs(n * s - 1) - 0.01, "rise": 0.1 * n - 0.5, "fall": -0.1 * n}[
                log_shape
            ]
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


def _inside(f_cross=0.75, survivor=0.7):
    rows = []
    for seed in (0, 1):
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
                    "p_vanish": 1.0 if mid < f_cross else 0.0,
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
                "survivor_f_q05": survivor,
                "survivor_f_min": survivor,
                "vanished_f_q95": 0.6,
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
    root: Path,
    products=None,
    analytic=None,
    expected=None,
    pairs=None,
    inside=None,
    cancel=None,
    probe=None,
) -> Results:
    d = root / "studies" / "products"
    d.mkdir(parents=True, exist_ok=True)
    (products if products is not None else _products()).to_csv(d / "products.csv", index=False)
    (d / "analytic.json").write_text(json.dumps(analytic or _analytic()))
    (expected if expected is not None else _expected()).to_csv(d / "expected.csv", index=False)
    (pairs if pairs is not None else _pairs()).to_csv(d / "pairs.csv", index=False)
    (inside if inside is not None else _inside()).to_csv(d / "inside.csv", index=False)
    (cancel if cancel is not None else _cancel()).to_csv(d / "cancellation.csv", index=False)
    if probe is not None:
        (root / "probe").mkdir(exist_ok=True)
        probe.to_csv(root / "probe" / "summary.csv", index=False)
    return results_at(root)


def test_a1_flips_when_products_are_forced_down(tmp_path: Path) -> None:
    assert cp.check_a1_max_derivative(_write(tmp_path / "a")).verdict == "supported"
    r = _write(tmp_path / "b", products=_products(p_above=0.1))
    assert cp.check_a1_max_derivative(r).verdict == "refuted"
    r = _write(tmp_path / "c", analytic=_analytic(argmax=0.3))
    assert cp.check_a1_max_derivative(r).verdict == "refuted"


def test_a3_flips_when_a_tanh_product_exceeds_one(tmp_path: Path) -> None:
    assert cp.check_a3_tanh_product_vanishes(_write(tmp_path / "a")).verdict == "supported"
    r = _write(tmp_path / "b", products=_products(top1=0.2))
    assert cp.check_a3_tanh_product_vanishes(r).verdict == "refuted"


def test_a7_flips_when_the_pair_bound_fails(tmp_path: Path) -> None:
    assert cp.check_a7_pairs(_write(tmp_path / "a")).verdict == "supported"
    assert cp.check_a7_pairs(_write(tmp_path / "b", analytic=_analytic(sup=1.3))).verdict == (
        "refuted"
    )
    assert cp.check_a7_pairs(_write(tmp_path / "c", pairs=_pairs(top=0.4))).verdict == "refuted"


def test_a8_three_ways(tmp_path: Path) -> None:
    assert cp.check_a8_half_inside(_write(tmp_path / "a")).verdict == "qualified"
    r = _write(tmp_path / "b", inside=_inside(f_cross=0.5, survivor=0.5))
    assert cp.check_a8_half_inside(r).verdict == "supported"
    r = _write(tmp_path / "c", inside=_inside(f_cross=0.3, survivor=0.2))
    assert cp.check_a8_half_inside(r).verdict == "refuted"


def test_a9_flips_when_two_bad_x_do_not_cancel(tmp_path: Path) -> None:
    assert cp.check_a9_cancellation(_write(tmp_path / "a")).verdict == "supported"
    r = _write(tmp_path / "b", cancel=_cancel(p_two=0.5))
    assert cp.check_a9_cancellation(r).verdict == "refuted"
    r = _write(tmp_path / "c", analytic=_analytic(t_one=7.5))
    assert cp.check_a9_cancellation(r).verdict == "refuted"


def test_a11_qualified_by_exploding_tanh_nets(tmp_path: Path) -> None:
    assert cp.check_a11_explode_band(_write(tmp_path / "a")).verdict == "supported"
    probe = pd.DataFrame(
        {
            "activation": ["tanh", "tanh_n2"],
            "init": ["normal", "he"],
            "depth": [8, 8],
            "seed": [0, 0],
            "log10_ratio": [3.0, 4.0],
            "log10_delta_ratio": [3.0, 4.0],
            "frac_inside_t1": [np.nan, 0.6],
        }
    )
    r = _write(tmp_path / "b", probe=probe)
    assert cp.check_a11_explode_band(r).verdict == "qualified"
    r = _write(tmp_path / "c", analytic=_analytic(te2=0.5))
    assert cp.check_a11_explode_band(r).verdict == "refuted"


def test_a13_three_ways(tmp_path: Path) -> None:
    assert cp.check_a13_expected_derivative(_write(tmp_path / "a")).verdict == "qualified"
    r = _write(tmp_path / "b", expected=_expected(d_slope=-0.1, log_shape="fall"))
    assert cp.check_a13_expected_derivative(r).verdict == "supported"
    r = _write(tmp_path / "c", expected=_expected(log_shape="rise"))
    assert cp.check_a13_expected_derivative(r).verdict == "refuted"
    bad = _expected()
    bad.loc[bad["method"] == "monte_carlo", "mean_deriv"] += 0.5  # a numerical fault
    r = _write(tmp_path / "d", expected=bad)
    assert cp.check_a13_expected_derivative(r).verdict == "not tested"


def test_b10_flips_when_relu_products_are_not_binary(tmp_path: Path) -> None:
    assert cp.check_b10_relu_zero_one(_write(tmp_path / "a")).verdict == "supported"
    r = _write(tmp_path / "b", products=_products(relu_exact=0.9))
    assert cp.check_b10_relu_zero_one(r).verdict == "refuted"


def test_c10_flips_without_explosions(tmp_path: Path) -> None:
    assert cp.check_c10_derivative_above_one(_write(tmp_path / "a")).verdict == "supported"
    r = _write(tmp_path / "b", products=_products(p_explode=0.1))
    assert cp.check_c10_derivative_above_one(r).verdict == "refuted"
