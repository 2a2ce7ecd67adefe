"""Analytic thresholds for tanh(n x), numpy only (mean-field quantities: vanishing.core.mean_field).

The derivative of tanh(n x) is n * sech^2(n x). Solving n * sech^2(n t) = L for the level L gives
tanh^2(n t) = 1 - L / n, i.e. t = artanh(sqrt(1 - e)) / n with e = L / n. The named thresholds are
the levels L = 1/n (t1), L = 1 (t_explode) and L = n^-(k-1) (t_k).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatOrArray = float | NDArray[np.float64]

_INV_PHI = float((np.sqrt(5.0) - 1.0) / 2.0)  # golden-section ratio 1/phi


def _as_result(values: NDArray[np.float64], scalar: bool) -> FloatOrArray:
    """Return a Python float for scalar input so callers can format and compare it directly."""
    return float(values.reshape(())) if scalar else values


def tanh_n_derivative(x: ArrayLike, n: ArrayLike) -> FloatOrArray:
    """Derivative of tanh(n x) with respect to x: n * (1 - tanh(n x)^2)."""
    x_arr = np.asarray(x, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    out = n_arr * (1.0 - np.tanh(n_arr * x_arr) ** 2)
    return _as_result(np.asarray(out, dtype=float), out.ndim == 0)


def _threshold_from_log_e(n: ArrayLike, log_e_per_log_n: float) -> FloatOrArray:
    """(1/n) * artanh(sqrt(1 - e)) with e = n ** log_e_per_log_n, stable when e underflows.

    artanh(s) = 0.5 * log((1 + s) / (1 - s)) = log1p(s) - 0.5 * log(e) because 1 - s^2 = e.
    Working with log(e) avoids forming 1 - e, which rounds to 1 in float64 for large exponents.
    """
    n_arr = np.asarray(n, dtype=float)
    scalar = n_arr.ndim == 0
    if scalar and not n_arr > 1.0:
        # For n <= 1 the derivative never exceeds the level, so no threshold exists.
        raise ValueError(f"threshold is defined only for n > 1, got n={float(n_arr)}")
    valid = n_arr > 1.0
    safe_n = np.where(valid, n_arr, 2.0)  # placeholder avoids log warnings on invalid entries
    log_e = log_e_per_log_n * np.log(safe_n)
    s = np.sqrt(-np.expm1(log_e))
    t = (np.log1p(s) - 0.5 * log_e) / safe_n
    return _as_result(np.where(valid, t, np.nan), scalar)


def t1(n: ArrayLike) -> FloatOrArray:
    """|x| > t1(n) iff the derivative of tanh(n x) is below 1/n (n > 1)."""
    return _threshold_from_log_e(n, -2.0)


def t_explode(n: ArrayLike) -> FloatOrArray:
    """|x| < t_explode(n) iff the derivative of tanh(n x) exceeds 1 (n > 1)."""
    return _threshold_from_log_e(n, -1.0)


def t_k(n: ArrayLike, k: int) -> FloatOrArray:
    """|x| > t_k(n, k) iff the derivative is below n^-(k-1): K layers then multiply below 1/n."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    return _threshold_from_log_e(n, -float(k))


def sigmoid_derivative(x: ArrayLike) -> FloatOrArray:
    """s(x) * (1 - s(x)) for the logistic sigmoid s."""
    x_arr = np.asarray(x, dtype=float)
    s = 0.5 * (1.0 + np.tanh(0.5 * x_arr))  # tanh form cannot overflow for large |x|
    out = s * (1.0 - s)
    return _as_result(np.asarray(out, dtype=float), out.ndim == 0)


def golden_section_max(
    f: Callable[[float], float], lo: float, hi: float, tol: float = 1e-12, max_iter: int = 500
) -> tuple[float, float]:
    """Maximise a unimodal scalar function on [lo, hi]; returns (argmax, max)."""
    a, b = float(lo), float(hi)
    c = b - _INV_PHI * (b - a)
    d = a + _INV_PHI * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(max_iter):
        if b - a <= tol * max(1.0, abs(a) + abs(b)):
            break
        if fc >= fd:
            b, d, fd = d, c, fc
            c = b - _INV_PHI * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + _INV_PHI * (b - a)
            fd = f(d)
    x = float(0.5 * (a + b))
    return x, float(f(x))


def sigmoid_derivative_max() -> tuple[float, float]:
    """(argmax, max) of the sigmoid derivative, located numerically rather than assumed."""
    return golden_section_max(lambda x: float(sigmoid_derivative(x)), -10.0, 10.0)


def t1_continuous_max(
    n_lo: float = 1.0001, n_hi: float = 20.0, grid: int = 200_001
) -> tuple[float, float]:
    """(argmax n, max t1) over continuous n in [n_lo, n_hi]: dense grid, then golden section."""
    ns = np.linspace(n_lo, n_hi, grid)
    values = np.asarray(t1(ns))
    i = int(np.nanargmax(values))
    # Refine inside the two neighbouring grid cells, where the unimodal peak must lie.
    lo = float(ns[max(i - 1, 0)])
    hi = float(ns[min(i + 1, grid - 1)])
    n_best, t_best = golden_section_max(lambda n: float(t1(n)), lo, hi)
    if t_best < values[i]:  # refinement can only help; keep the grid point if it did not
        return float(ns[i]), float(values[i])
    return n_best, t_best


def t1_integer_max(n_max: int = 20) -> tuple[int, float]:
    """(argmax, max) of t1 over integer n in 2..n_max."""
    ns = np.arange(2, n_max + 1)
    values = np.asarray(t1(ns.astype(float)))
    i = int(np.argmax(values))
    return int(ns[i]), float(values[i])


def bisect_threshold(
    f: Callable[[float], float], level: float, lo: float, hi: float, tol: float = 1e-12
) -> float:
    """x in [lo, hi] with f(x) = level for monotone f (increasing or decreasing)."""
    g_lo = f(lo) - level
    g_hi = f(hi) - level
    if g_lo == 0.0:
        return float(lo)
    if g_hi == 0.0:
        return float(hi)
    if np.sign(g_lo) == np.sign(g_hi):
        raise ValueError(f"level {level} is not bracketed by f({lo}) and f({hi})")
    a, b = float(lo), float(hi)
    while b - a > tol:
        m = 0.5 * (a + b)
        if m in (a, b):  # interval cannot shrink further in float64
            break
        g_m = f(m) - level
        if g_m == 0.0:
            return m
        if np.sign(g_m) == np.sign(g_lo):
            a, g_lo = m, g_m
        else:
            b = m
    return 0.5 * (a + b)


def threshold_table(
    ns: Sequence[float] = (0.5, 1, 2, 3), ks: Sequence[int] = (2, 10, 50)
) -> list[dict[str, float]]:
    """One row per n: thresholds (NaN where n <= 1 leaves them undefined) and derivative max."""
    rows: list[dict[str, float]] = []
    for n in ns:
        n_f = float(n)
        defined = n_f > 1.0
        row: dict[str, float] = {
            "n": n_f,
            "t1": float(t1(n_f)) if defined else float("nan"),
            "t_explode": float(t_explode(n_f)) if defined else float("nan"),
        }
        for k in ks:
            row[f"t_k{k}"] = float(t_k(n_f, k)) if defined else float("nan")
        # The derivative n sech^2(n x) peaks at x = 0; evaluate rather than write n.
        row["deriv_max"] = float(tanh_n_derivative(0.0, n_f))
        rows.append(row)
    return rows
