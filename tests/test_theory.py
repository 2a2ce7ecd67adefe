"""Checks of vanishing.core.theory, and of mean_field's Gauss-Hermite rule with the length map and
χ1 on it, against independent numerical methods (bisection, grids, sampling)."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest

from vanishing.core import mean_field as mf
from vanishing.core import theory as th

NS = [1.5, 2.0, 3.0, 7.3]


def _bisect_derivative(n: float, level: float) -> float:
    """Independent threshold: bisect the (decreasing for x >= 0) derivative against the level."""
    return th.bisect_threshold(lambda x: float(th.tanh_n_derivative(x, n)), level, 0.0, 50.0)


def _log_sech(y: np.ndarray | float) -> np.ndarray | float:
    a = np.abs(y)
    return -a + math.log(2.0) - np.log1p(np.exp(-2.0 * a))


def _log_derivative(x: float, n: float) -> float:
    """log of n sech^2(n x) without underflow, so deep levels like 2^-49 stay resolvable."""
    return float(math.log(n) + 2.0 * _log_sech(n * x))


def test_derivative_matches_finite_difference() -> None:
    x = np.linspace(-2.0, 2.0, 41)
    h = 1e-6
    for n in NS:
        fd = (np.tanh(n * (x + h)) - np.tanh(n * (x - h))) / (2 * h)
        np.testing.assert_allclose(th.tanh_n_derivative(x, n), fd, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("n", NS)
def test_t1_matches_bisection(n: float) -> None:
    t = th.t1(n)
    assert t == pytest.approx(_bisect_derivative(n, 1.0 / n), abs=1e-9)
    eps = 1e-6
    assert th.tanh_n_derivative(t - eps, n) > 1.0 / n
    assert th.tanh_n_derivative(t + eps, n) < 1.0 / n
    assert th.tanh_n_derivative(-(t + eps), n) < 1.0 / n  # symmetric in x


@pytest.mark.parametrize("n", NS)
def test_t_explode_matches_bisection(n: float) -> None:
    t = th.t_explode(n)
    assert t == pytest.approx(_bisect_derivative(n, 1.0), abs=1e-9)
    eps = 1e-6
    assert th.tanh_n_derivative(t - eps, n) > 1.0
    assert th.tanh_n_derivative(t + eps, n) < 1.0


@pytest.mark.parametrize("n", NS)
@pytest.mark.parametrize("k", [2, 3, 10])
def test_t_k_matches_bisection(n: float, k: int) -> None:
    level = n ** -(k - 1)
    t = th.t_k(n, k)
    assert t == pytest.approx(_bisect_derivative(n, level), abs=1e-8)
    assert th.tanh_n_derivative(t - 1e-6, n) > level
    assert th.tanh_n_derivative(t + 1e-6, n) < level


def test_t_k_2_equals_t1() -> None:
    # K = 2 gives level 1/n, the same claim as t1.
    for n in NS:
        assert th.t_k(n, 2) == pytest.approx(th.t1(n), rel=1e-12)


def test_source_numbers() -> None:
    assert round(th.t1(2.0), 3) == 0.658
    assert round(th.t_explode(2.0), 3) == 0.441
    assert round(th.t_k(2.0, 50), 1) == 9.0


@pytest.mark.parametrize(("n", "k"), [(2.0, 50), (1.5, 200), (3.0, 1000), (7.3, 400)])
def test_t_k_deep_matches_log_bisection(n: float, k: int) -> None:
    log_level = -(k - 1) * math.log(n)
    t_ref = th.bisect_threshold(lambda x: _log_derivative(x, n), log_level, 0.0, 2000.0)
    t = th.t_k(n, k)
    assert math.isfinite(t)
    assert t == pytest.approx(t_ref, rel=1e-9, abs=1e-9)
    assert _log_derivative(t - 1e-6, n) > log_level
    assert _log_derivative(t + 1e-6, n) < log_level


def test_thresholds_ordered() -> None:
    # Lower levels are reached further out: t_explode < t1 < t_k for k > 2.
    for n in NS:
        assert th.t_explode(n) < th.t1(n) < th.t_k(n, 10) < th.t_k(n, 50)


def test_invalid_n_raises_and_arrays_give_nan() -> None:
    for fn in (th.t1, th.t_explode):
        with pytest.raises(ValueError):
            fn(1.0)
        with pytest.raises(ValueError):
            fn(0.5)
    with pytest.raises(ValueError):
        th.t_k(1.0, 10)
    out = th.t1(np.array([0.5, 1.0, 2.0]))
    assert np.isnan(out[0]) and np.isnan(out[1])
    assert out[2] == pytest.approx(th.t1(2.0))


def test_sigmoid_derivative_max() -> None:
    x_max, d_max = th.sigmoid_derivative_max()
    assert x_max == pytest.approx(0.0, abs=1e-6)
    assert d_max == pytest.approx(0.25, abs=1e-12)
    # Independent: dense grid and the direct definition s(1 - s).
    x = np.linspace(-20, 20, 400_001)
    s = 1.0 / (1.0 + np.exp(-x))
    np.testing.assert_allclose(th.sigmoid_derivative(x), s * (1 - s), atol=1e-15)
    assert d_max >= np.max(s * (1 - s)) - 1e-15


def test_t1_continuous_max() -> None:
    n_best, t_best = th.t1_continuous_max()
    # Independent dense grid over n, evaluated from the closed form with numpy's arctanh.
    ns = np.linspace(1.0001, 20.0, 1_000_001)
    grid_vals = np.arctanh(np.sqrt(1.0 - 1.0 / ns**2)) / ns
    j = int(np.argmax(grid_vals))
    assert n_best == pytest.approx(ns[j], abs=1e-4)
    assert t_best == pytest.approx(grid_vals[j], abs=1e-10)
    assert t_best >= grid_vals.max() - 1e-15
    assert t_best == pytest.approx(th.t1(n_best), rel=1e-12)
    for n in range(2, 21):
        assert t_best >= th.t1(float(n))


def test_t1_integer_max() -> None:
    n_int, t_int = th.t1_integer_max()
    assert n_int == 2
    assert round(t_int, 3) == 0.658
    brute = max(range(2, 21), key=lambda n: _bisect_derivative(n, 1.0 / n))
    assert n_int == brute
    assert t_int <= th.t1_continuous_max()[1]


def test_bisect_threshold_increasing_and_unbracketed() -> None:
    assert th.bisect_threshold(lambda x: x**3, 8.0, 0.0, 5.0) == pytest.approx(2.0, abs=1e-10)
    with pytest.raises(ValueError):
        th.bisect_threshold(lambda x: x, 10.0, 0.0, 1.0)


# Gauss-Hermite rules: gauss_expectation's default order (odd), and an even order, which puts
# no node on ReLU's kink at h = 0.
GH = partial(mf.gauss_expectation, order=101)
GH_EVEN = partial(mf.gauss_expectation, order=100)


@pytest.mark.parametrize(("q", "tol"), [(0.3, 1e-10), (1.0, 1e-10), (4.0, 1e-5)])
def test_gauss_expectation_moments(q: float, tol: float) -> None:
    assert mf.gauss_expectation(lambda h: h**2, q) == pytest.approx(q, rel=1e-12)
    assert mf.gauss_expectation(lambda h: h**4, q) == pytest.approx(3 * q**2, rel=1e-12)
    # Independent: Riemann sum against the Gaussian density for a non-polynomial function.
    h = np.linspace(-12 * math.sqrt(q), 12 * math.sqrt(q), 200_001)
    dens = np.exp(-(h**2) / (2 * q)) / math.sqrt(2 * math.pi * q)
    ref = float(np.sum(np.tanh(h) ** 2 * dens) * (h[1] - h[0]))
    # tanh saturates on a scale < sqrt(q) for large q, so Gauss-Hermite needs a looser tolerance.
    assert mf.gauss_expectation(lambda x: np.tanh(x) ** 2, q) == pytest.approx(ref, abs=tol)
    assert mf.gauss_expectation(lambda x: np.tanh(x) ** 2, q, order=201) == pytest.approx(
        ref, abs=max(tol / 100, 1e-10)
    )


def test_gauss_expectation_rejects_overflowing_order() -> None:
    with pytest.raises(ValueError):
        mf.gauss_expectation(lambda h: h**2, 1.0, order=401)


def test_gauss_expectation_zero_variance() -> None:
    assert mf.gauss_expectation(lambda h: np.cos(h), 0.0) == 1.0


def _relu_prime(h: np.ndarray) -> np.ndarray:
    return (h > 0).astype(float)


def test_chi1_relu_he_and_linear() -> None:
    for q in (0.5, 1.0, 3.0):
        # He initialisation: sigma_w2 = 2 with ReLU keeps gradient norms fixed.
        assert mf.chi1(_relu_prime, 2.0, q, GH_EVEN) == pytest.approx(1.0, abs=1e-12)
        assert mf.chi1(np.ones_like, 1.0, q, GH_EVEN) == pytest.approx(1.0, abs=1e-12)
    # An odd rule has a node at the ReLU kink, which is why its cross-check uses an even order.
    assert abs(mf.chi1(_relu_prime, 2.0, 1.0, GH) - 1.0) > 0.01
    # Sampling check, independent of quadrature.
    rng = np.random.default_rng(0)
    h = rng.normal(0.0, 1.0, 400_000)
    mc = 2.0 * float(np.mean((h > 0).astype(float)))
    assert mc == pytest.approx(mf.chi1(_relu_prime, 2.0, 1.0, GH_EVEN), abs=1e-2)


def test_chi1_zero_variance() -> None:
    # Zero weights give q = 0: the gradient factor is sigma_w2 * phi'(0)^2.
    assert mf.chi1(lambda h: 1.0 - np.tanh(h) ** 2, 1.5, 0.0, GH_EVEN) == pytest.approx(1.5)


def _iterate(phi: mf.Fn, sigma_w2: float, steps: int, q: float = 1.0) -> float:
    for _ in range(steps):
        q = mf.q_map(phi, sigma_w2, q, GH)
    return q


def test_tanh_q_star_and_chi1() -> None:
    q = _iterate(np.tanh, 1.0, 500)
    assert 0.0 <= q < 0.01  # tanh at sigma_w2 = 1 shrinks the length towards 0
    assert _iterate(np.tanh, 1.0, 1500, q) < q  # still drifting down, not stuck
    assert mf.q_fixed_point(np.tanh, 1.0, GH, 500) == 0.0  # so the fixed point is its limit
    # Independent: iterate the same map with a Riemann-sum expectation instead of quadrature.
    z = np.linspace(-10.0, 10.0, 20_001)
    w = np.exp(-(z**2) / 2) * (z[1] - z[0]) / math.sqrt(2 * math.pi)
    q_ref = 1.0
    for _ in range(500):
        q_ref = float(np.sum(np.tanh(math.sqrt(q_ref) * z) ** 2 * w))
    assert q == pytest.approx(q_ref, rel=1e-6)
    c = mf.chi1(lambda h: 1.0 - np.tanh(h) ** 2, 1.0, q, GH_EVEN)
    assert c < 1.0
    assert c > 0.9  # near q = 0, chi1 -> phi'(0)^2 = 1 from below


def test_q_star_fixed_point_and_divergence() -> None:
    # Linear phi: q <- sigma_w2 q + sigma_b2 has fixed point sigma_b2 / (1 - sigma_w2).
    q = mf.q_fixed_point(lambda h: h, 0.5, GH, 500, sigma_b2=0.25)
    assert q == pytest.approx(0.5, abs=1e-10)
    assert 0.5 * mf.gauss_expectation(lambda h: h**2, q) + 0.25 == pytest.approx(q, abs=1e-10)
    assert mf.q_fixed_point(lambda h: h, 2.0, GH, 500) == float("inf")
    # tanh with bias has a non-zero fixed point satisfying the map.
    qt = mf.q_fixed_point(np.tanh, 2.0, GH, 500, sigma_b2=0.05)
    mapped = 2.0 * mf.gauss_expectation(lambda h: np.tanh(h) ** 2, qt) + 0.05
    assert mapped == pytest.approx(qt, abs=1e-9)
    assert qt > 0.1


def test_threshold_table() -> None:
    rows = th.threshold_table()
    assert [r["n"] for r in rows] == [0.5, 1.0, 2.0, 3.0]
    for r in rows:
        n = r["n"]
        assert r["deriv_max"] == pytest.approx(n)
        # Independent: the derivative maximum located by a grid search.
        x = np.linspace(-5, 5, 100_001)
        assert r["deriv_max"] == pytest.approx(np.max(th.tanh_n_derivative(x, n)), rel=1e-12)
        keys = ["t1", "t_explode", "t_k2", "t_k10", "t_k50"]
        if n <= 1:
            assert all(math.isnan(r[k]) for k in keys)
        else:
            assert r["t1"] == pytest.approx(_bisect_derivative(n, 1.0 / n), abs=1e-9)
            assert r["t_explode"] == pytest.approx(_bisect_derivative(n, 1.0), abs=1e-9)
            assert r["t_k10"] == pytest.approx(_bisect_derivative(n, n**-9), abs=1e-8)
