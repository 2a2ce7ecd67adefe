"""Dynamical isometry (E10): the study's Jacobian against autograd, orthogonal products,
the critical point by an independent quadrature, the paper's variance formula against a
fresh measurement, the check driven to each verdict, and the stage at quick size."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import integrate

from vanishing.claims import checks_isometry as ci
from vanishing.claims.registry import ClaimResult
from vanishing.claims.stats import collecting_run_tables
from vanishing.claims.verdict import REACHABLE
from vanishing.core.activations import get_activation
from vanishing.core.inits import haar_orthogonal
from vanishing.core.jacobian import left_multiply
from vanishing.core.mean_field import Trapezoid
from vanishing.core.models import seed_generator
from vanishing.figures import isometry_spectra as fig
from vanishing.machinery.params.isometry import Params
from vanishing.machinery.pipeline import results_at, run_stage
from vanishing.studies import isometry as iso

from .tables import write

MEAN = Trapezoid(4001)


def _points(q_star: float) -> dict[str, iso.Point]:
    return {"tanh": iso.tanh_point(q_star, MEAN), "relu": iso.relu_point(MEAN)}


def _autograd_svs(
    points: dict[str, iso.Point], width: int, depth: int, seed: int, setting: tuple[str, str]
) -> torch.Tensor:
    """Singular values of ∂x^L/∂x^0 by torch.func.jacrev through a plain forward pass on
    the study's draws for one seed (the same generator order), then svdvals."""
    a, init = setting
    pt, act = points[a], get_activation(a)
    g = seed_generator(seed)
    h0 = torch.randn((1, width), generator=g, dtype=torch.float64)[0]
    layers = []
    for _ in range(depth):
        orth, gauss, noise = iso._draw([g], width)
        w = (orth if init == "orthogonal" else gauss)[0] * math.sqrt(pt.sigma_w2)
        layers.append((w, math.sqrt(pt.sigma_b2) * noise[0]))

    def forward(x: torch.Tensor) -> torch.Tensor:
        for w, b in layers:
            x = act(w @ x + b)
        return x

    x0 = act(math.sqrt(pt.q_star) * h0)
    jac = torch.func.jacrev(forward)(x0)
    return torch.linalg.svdvals(jac)


@pytest.mark.parametrize("setting", iso.SETTINGS)
def test_singular_values_match_autograd_jacobian(setting: tuple[str, str]) -> None:
    points = _points(1 / 16)
    out = iso.spectra(points, 7, [1, 3], [0, 4])
    for depth in (1, 3):
        for k, seed in enumerate((0, 4)):
            ref = _autograd_svs(points, 7, depth, seed, setting)
            got = out[(*setting, depth)][k]
            torch.testing.assert_close(got, ref, rtol=1e-10, atol=1e-12)


def test_product_of_orthogonal_matrices_keeps_every_singular_value_at_one() -> None:
    g = seed_generator(3)
    jac = haar_orthogonal((2, 16, 16), g)
    for _ in range(60):
        ones = torch.ones(2, 16, dtype=torch.float64)
        jac = left_multiply(jac, haar_orthogonal((2, 16, 16), g), ones)
    sv = torch.linalg.svdvals(jac)
    assert torch.allclose(sv, torch.ones_like(sv), atol=1e-12)


def test_left_multiply_order() -> None:
    g = seed_generator(1)
    jac = torch.randn((1, 3, 3), generator=g, dtype=torch.float64)
    w = torch.randn((1, 3, 3), generator=g, dtype=torch.float64)
    d = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64)
    torch.testing.assert_close(left_multiply(jac, d, w)[0], w[0] @ torch.diag(d[0]) @ jac[0])


@pytest.mark.parametrize("q_star", [1 / 64, 1 / 4])
def test_tanh_point_is_critical_by_independent_quadrature(q_star: float) -> None:
    pt = iso.tanh_point(q_star, MEAN)

    def gauss(f) -> float:  # E[f(h)], h ~ N(0, q*), adaptive quadrature on h
        s = math.sqrt(q_star)
        val, _ = integrate.quad(
            lambda h: f(h) * math.exp(-0.5 * h * h / q_star) / (s * math.sqrt(2 * math.pi)),
            -40 * s,
            40 * s,
            epsabs=1e-14,
            epsrel=1e-12,
        )
        return val

    chi = pt.sigma_w2 * gauss(lambda h: 1 / math.cosh(h) ** 4)
    q_next = pt.sigma_w2 * gauss(lambda h: math.tanh(h) ** 2) + pt.sigma_b2
    assert chi == pytest.approx(1.0, abs=1e-9)
    assert q_next == pytest.approx(q_star, rel=1e-8)
    assert pt.sigma_b2 > 0
    assert pt.mu2 / pt.mu1**2 - 1 == pytest.approx(
        gauss(lambda h: 1 / math.cosh(h) ** 8) / gauss(lambda h: 1 / math.cosh(h) ** 4) ** 2 - 1,
        rel=1e-6,
    )


def test_relu_point_moments() -> None:
    pt = iso.relu_point(MEAN)
    assert (pt.mu1, pt.mu2) == (pytest.approx(0.5), pytest.approx(0.5))
    assert pt.chi1 == pytest.approx(1.0)
    assert iso.predicted_rel_var(pt, "orthogonal", 7) == pytest.approx(7.0)
    assert iso.predicted_rel_var(pt, "gaussian", 7) == pytest.approx(14.0)


def test_measured_spread_follows_the_papers_formula() -> None:
    """Orthogonal tanh at q* = 1/4 and ReLU orthogonal: Var(λ)/mean(λ)² against
    L·(μ2/μ1² − 1 − s1) (exact as width → ∞), at width 96 within 25 %."""
    points = _points(1 / 4)
    depth = 12
    out = iso.spectra(points, 96, [depth], [0, 1, 2, 3])
    for setting in (("tanh", "orthogonal"), ("relu", "orthogonal")):
        rel = [iso.summary_row(sv.numpy())["rel_var"] for sv in out[(*setting, depth)]]
        pred = iso.predicted_rel_var(points[setting[0]], setting[1], depth)
        assert np.median(rel) == pytest.approx(pred, rel=0.25)


# ---- the check ------------------------------------------------------------------

DEPTHS = (1, 2, 8, 32)
SEEDS = range(6)
# median over seeds: 1 + 0.005 times the cell value
JITTER = (-0.04, -0.02, 0.0, 0.01, 0.03, 0.05)


def _summary(values: dict[tuple[str, str], dict[int, float]], noise: float = 1.0) -> pd.DataFrame:
    """isometry.summary rows: rel_var per setting and depth, each seed jittered by
    ``noise`` × JITTER (relative)."""
    rows = []
    for (a, i), by_depth in values.items():
        for d, v in by_depth.items():
            for s in SEEDS:
                rows.append(
                    {
                        "activation": a,
                        "init": i,
                        "depth": d,
                        "seed": s,
                        "width": 32,
                        "sigma_w2": 1.03 if a == "tanh" else 2.0,
                        "sigma_b2": 5e-6 if a == "tanh" else 0.0,
                        "q_star": 1 / 64 if a == "tanh" else 1.0,
                        "chi1": 1.0,
                        "mean_sq": 1.0,
                        "rel_var": v * (1 + noise * JITTER[s]),
                        "pred_rel_var": v,
                        "sd_ln_sv": 0.1,
                        "zero_share": 0.0,
                        "sv_max": 1.0,
                        "sv_median": 1.0,
                        "sv_min": 1.0,
                    }
                )
    return pd.DataFrame(rows)


def _paper(orth: dict[int, float] | None = None, spread: float = 1.0) -> dict:
    """The paper's picture: orthogonal tanh 0.002·L, the others L (Gaussian ReLU 2L),
    the spread settings scaled by ``spread``."""
    return {
        ("tanh", "orthogonal"): orth or {d: 0.002 * d for d in DEPTHS},
        ("tanh", "gaussian"): {d: spread * d for d in DEPTHS},
        ("relu", "orthogonal"): {d: spread * d for d in DEPTHS},
        ("relu", "gaussian"): {d: spread * 2 * d for d in DEPTHS},
    }


def _e10(tmp_path: Path, name: str, table: pd.DataFrame) -> ClaimResult:
    write(tmp_path / name, ci.SUMMARY, table)
    with collecting_run_tables():
        return ci.check_e10_isometry(results_at(tmp_path / name))


def test_e10_reaches_every_verdict_of_a_comparison(tmp_path: Path) -> None:
    seen = set()
    res = _e10(tmp_path, "supported", _summary(_paper()))
    seen.add(res.verdict)
    assert res.verdict == "supported"
    assert res.statistic is not None and res.statistic.value == pytest.approx(0.064 * 1.005)
    assert res.values["rel_var_relu_gaussian_d32"] == pytest.approx(64.0 * 1.005)
    # refuted: orthogonal tanh spread at every depth, the others concentrated
    res = _e10(tmp_path, "refuted", _summary(_paper({d: 5.0 for d in DEPTHS}, spread=0.01)))
    seen.add(res.verdict)
    assert res.verdict == "refuted"
    # qualified: orthogonal tanh concentrated up to depth 8 and spread beyond
    res = _e10(tmp_path, "qualified", _summary(_paper({1: 0.01, 2: 0.02, 8: 0.1, 32: 4.0})))
    seen.add(res.verdict)
    assert res.verdict == "qualified"
    # inconclusive: orthogonal tanh's seeds straddle the tolerance at every depth
    res = _e10(tmp_path, "inconclusive", _summary(_paper({d: 1.0 for d in DEPTHS}), noise=5.0))
    seen.add(res.verdict)
    assert res.verdict == "inconclusive"
    res = _e10(tmp_path, "missing", _summary({("tanh", "orthogonal"): {4: 0.1}}))
    seen.add(res.verdict)
    assert res.verdict == "not tested"
    assert seen == set(REACHABLE["comparison"])


def test_e10_gaussian_below_orthogonal_refutes_the_part(tmp_path: Path) -> None:
    """Gaussian tanh spread but no wider than orthogonal (both above the line) fails the
    'Gaussian init spreads it' part through its gap statistic."""
    vals = _paper({d: 3.0 * d for d in DEPTHS})
    res = _e10(tmp_path, "gap", _summary(vals))
    gauss = next(p for p in res.parts if p["name"] == ci.PART_GAUSS)
    assert gauss["verdict"] == "refuted"


# ---- the stage ------------------------------------------------------------------

QUICK = {"width": 8, "depths": [1, 3], "seeds": [0, 1], "trapezoid_points": 1001}


def test_stage_at_quick_size_is_byte_identical(tmp_path: Path) -> None:
    a = run_stage("isometry", QUICK, tmp_path / "a")
    b = run_stage("isometry", QUICK, tmp_path / "b")
    for key in ("spectra", "summary"):
        assert a[key].read_bytes() == b[key].read_bytes()
    spec = pd.read_csv(a["spectra"])
    summ = pd.read_csv(a["summary"])
    assert len(spec) == len(iso.SETTINGS) * 2 * 2 * 8
    assert list(summ.columns) == iso.SUMMARY_COLUMNS
    # the summary's mean λ is the mean square of the recorded singular values
    one = spec[(spec["activation"] == "tanh") & (spec["init"] == "gaussian")]
    one = one[(one["depth"] == 3) & (one["seed"] == 1)]["singular_value"].to_numpy()
    row = summ[
        (summ["activation"] == "tanh")
        & (summ["init"] == "gaussian")
        & (summ["depth"] == 3)
        & (summ["seed"] == 1)
    ]
    assert float(row["mean_sq"].iloc[0]) == pytest.approx(float(np.mean(one**2)))
    out = [tmp_path / "fig.png", tmp_path / "fig.pdf"]
    fig.main(results_at(tmp_path / "a"), out, {})
    assert all(p.stat().st_size > 0 for p in out)


def test_params_default_matches_the_claims_scope() -> None:
    p = Params()
    assert p.width == 256 and max(p.depths) == 100 and len(p.seeds) >= 10
