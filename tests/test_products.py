"""The products study (derivative products in log space) and its claim checks."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from vanishing.core import theory
from vanishing.core.activations import derivative, get_activation
from vanishing.machinery.pipeline import run_stage
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


def test_params_check_names_the_field() -> None:
    from vanishing.machinery.config_check import check_params

    with pytest.raises(ValueError, match=r"studies\.products\.pair_ns\[0\]"):
        check_params(P.Params(pair_ns=[1.0]))
