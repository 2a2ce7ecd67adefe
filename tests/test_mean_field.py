"""vanishing.core.mean_field against closed forms and brute-force sampling, with numpy φ only."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from vanishing.core import mean_field as mf

MEAN = mf.Trapezoid(4001)


def _relu(h: np.ndarray) -> np.ndarray:
    return np.maximum(h, 0.0)


def _relu_prime(h: np.ndarray) -> np.ndarray:
    return (h > 0).astype(float)


def _tanh_prime(h: np.ndarray) -> np.ndarray:
    return 1.0 - np.tanh(h) ** 2


def _softplus(h: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, h)


def _sigmoid(h: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * h))


def test_imports_numpy_only() -> None:
    # The numpy-only core: a fresh interpreter shows everything importing it loads.
    code = (
        "import sys; before = set(sys.modules); import vanishing.core.mean_field; "
        "print(' '.join(sorted(set(sys.modules) - before)))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = run.stdout.split()
    assert "vanishing.core.mean_field" in loaded
    banned = ("torch", "pandas", "vanishing.studies", "vanishing.config_")
    assert [m for m in loaded if m.startswith(banned)] == []


@pytest.mark.parametrize("q0", [0.3, 1.0, 7.5])
def test_relu_at_sigma_w2_two_keeps_q(q0: float) -> None:
    # E[relu(h)²] = q/2, so q ← 2 E[relu(h)²] is the identity: q* is wherever it starts.
    assert MEAN(lambda h: _relu(h) ** 2, q0) == pytest.approx(q0 / 2, rel=1e-12)
    assert mf.q_map(_relu, 2.0, q0, MEAN) == pytest.approx(q0, rel=1e-12)
    assert mf.q_fixed_point(_relu, 2.0, MEAN, 50, q0=q0) == pytest.approx(q0, rel=1e-12)


@pytest.mark.parametrize("q", [1e-3, 1.0, 50.0])
def test_chi1_of_relu_at_sigma_w2_two_is_one(q: float) -> None:
    # P(h > 0) = ½ whatever q: the even grid splits the jump at 0 evenly.
    assert mf.chi1(_relu_prime, 2.0, q, MEAN) == pytest.approx(1.0, abs=1e-12)
    m = mf.Moments(_relu, _relu_prime, MEAN)
    np.testing.assert_allclose(mf.chi1_at(m, 2.0, np.array([q, 10 * q])), 1.0, atol=1e-12)


def test_tanh_critical_line_at_zero_bias_is_sigma_w2_one() -> None:
    # σ_b² = 0: the transition sits at q* → 0, where χ1 = σ_w² tanh'(0)² = σ_w².
    line = mf.critical_line(mf.Moments(np.tanh, _tanh_prime, MEAN), np.array([0.0]))
    rising = [r for r in line if r["direction"] == 1]
    assert len(rising) == 1
    assert rising[0]["sigma_w2"] == pytest.approx(1.0, rel=1e-9)
    # Found as the limit q* → 0 or as a root at rounding level next to it (kept once).
    assert rising[0]["q_star"] < 1e-12 and rising[0]["sigma_b2"] == 0.0


def test_relu_critical_line_is_vertical_at_two() -> None:
    line = mf.critical_line(mf.Moments(_relu, _relu_prime, MEAN), np.array([0.0, 0.2, 0.5]))
    assert [r["kind"] for r in line] == ["q-independent"] * 3
    np.testing.assert_allclose([r["sigma_w2"] for r in line], 2.0, rtol=1e-12)


def test_chi1_of_tanh_matches_monte_carlo() -> None:
    """q* and χ1 = σ_w² E[tanh'(h)²] at q*, both by brute force on 10⁶ normal draws."""
    sw2, sb2 = 1.5, 0.1
    n = 1_000_000
    z = np.random.default_rng(2024).standard_normal(n)

    def length_map(q: float) -> float:
        return sw2 * float(np.mean(np.tanh(math.sqrt(q) * z) ** 2)) + sb2

    def chi_mc(q: float) -> float:
        return sw2 * float(np.mean(_tanh_prime(math.sqrt(q) * z) ** 2))

    q_mc = 1.0
    for _ in range(1000):
        q_next = length_map(q_mc)
        if abs(q_next - q_mc) < 1e-14:
            break
        q_mc = q_next
    # The draws estimate q* as well as E[φ'²] at it, so the standard error is that of the
    # linearised estimator (delta method): per draw, σ_w² φ'² + B'/(1 − A') σ_w² φ², with
    # A(q), B(q) the map and χ1 on the same draws and their slopes by central differences.
    eps = 1e-4 * q_mc
    slope_a = (length_map(q_mc + eps) - length_map(q_mc - eps)) / (2 * eps)
    slope_b = (chi_mc(q_mc + eps) - chi_mc(q_mc - eps)) / (2 * eps)
    h = math.sqrt(q_mc) * z
    per_draw = sw2 * _tanh_prime(h) ** 2 + slope_b / (1 - slope_a) * sw2 * np.tanh(h) ** 2
    se_chi = float(per_draw.std()) / math.sqrt(n)
    se_q = sw2 * float((np.tanh(h) ** 2).std()) / math.sqrt(n) / (1 - slope_a)

    q = mf.q_fixed_point(np.tanh, sw2, MEAN, 1000, sigma_b2=sb2)
    chi = mf.chi1(_tanh_prime, sw2, q, MEAN)
    assert abs(q - q_mc) <= 3 * se_q
    assert abs(chi - chi_mc(q_mc)) <= 3 * se_chi
    # The check has teeth: three standard errors resolve χ1 to better than 0.5 %.
    assert 3 * se_chi < 0.005 * chi


CELLS = {
    # (φ, σ_w², σ_b²): finite q* with and without bias, collapse to 0, growth to ∞
    "tanh-1.5-0.1": (np.tanh, 1.5, 0.1),
    "tanh-3-0.05": (np.tanh, 3.0, 0.05),
    "tanh-0.5-0.4": (np.tanh, 0.5, 0.4),
    "sigmoid-2-0": (_sigmoid, 2.0, 0.0),
    "softplus-1-0.3": (_softplus, 1.0, 0.3),
    "tanh-0.5-0": (np.tanh, 0.5, 0.0),
    "tanh-1-0": (np.tanh, 1.0, 0.0),
    "relu-4-0": (_relu, 4.0, 0.0),
}


@pytest.mark.parametrize(("phi", "sw2", "sb2"), CELLS.values(), ids=CELLS.keys())
def test_vectorised_and_scalar_fixed_points_agree(phi: mf.Fn, sw2: float, sb2: float) -> None:
    # q* needs E[φ²] only; φ' is a placeholder.
    m = mf.Moments(phi, np.ones_like, MEAN)
    many = mf.q_fixed_points(m, [sw2, 1.0], [sb2, 0.5], [sw2 + sb2, 1.0])
    one = mf.q_fixed_point(phi, sw2, MEAN, 5000, sigma_b2=sb2, q0=sw2 + sb2)
    if sb2 == 0 and one < 1e-3:
        # Collapse: the iteration stops at q ~ 1e-13 (its step tolerance) or at the limit 0
        # it creeps to, root finding at 0 or at a spurious root near 1e-16: both say q* = 0.
        assert one < 1e-12 and many[0] < 1e-12
    elif math.isinf(one):
        assert many[0] == one
    else:
        assert many[0] == pytest.approx(one, rel=1e-8)
        assert one == pytest.approx(mf.q_map(phi, sw2, one, MEAN, sb2), rel=1e-9)
    # Cells are independent: the second one is the same computed alone.
    alone = mf.q_fixed_points(m, [1.0], [0.5], [1.0])[0]
    assert many[1] == pytest.approx(alone, rel=1e-12)


def test_vectorised_chi1_and_profile_match_the_scalar_ones() -> None:
    m = mf.Moments(np.tanh, _tanh_prime, MEAN)
    sw, sb = np.array([0.8, 1.5, 3.0]), np.array([0.0, 0.1, 0.3])
    q, chi = mf.chi1_fixed(m, sw, sb)
    prof = mf.half_ln_chi1_profiles(m, sw, sb, 6)
    for i in range(len(sw)):
        assert chi[i] == pytest.approx(mf.chi1(_tanh_prime, sw[i], mf.clamp(q[i]), MEAN), rel=1e-12)
        if sb[i] == 0:  # the scalar profile has no bias term
            one = mf.half_ln_chi1_profile(np.tanh, _tanh_prime, sw[i], sw[i], 6, MEAN)
            np.testing.assert_allclose(prof[i], one, rtol=1e-12)


def test_slope_from_profile_of_a_constant_factor() -> None:
    # χ1 the same in every layer: ln‖δ‖ is a straight line of slope ½ ln χ1.
    half_ln = np.full(10, 0.5 * math.log(0.7))
    assert mf.slope_from_profile(half_ln, 10) == pytest.approx(0.5 * math.log(0.7), rel=1e-12)
    assert math.isnan(mf.trajectory_slope(np.tanh, _tanh_prime, 1.0, 0.0, 5, MEAN))
