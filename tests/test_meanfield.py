"""The mean-field study (χ1, the layer-by-layer prediction, the Jacobian spectrum) and the
E1/E4 checks."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from vanishing.core import mean_field as mf
from vanishing.core.activations import get_activation
from vanishing.core.models import EnsembleMLP
from vanishing.machinery.pipeline import run_stage
from vanishing.studies import meanfield as M

MEAN = mf.Trapezoid(4001)


def _p(**kw) -> M.Params:
    return M.Params(**kw)


def test_trapezoid_moments_and_jump() -> None:
    assert MEAN(lambda h: h**2, 3.0) == pytest.approx(3.0, rel=1e-10)
    # A step at 0 must get exactly half the mass (no node sits on it).
    assert MEAN(lambda h: (h > 0).astype(float), 5.0) == pytest.approx(0.5, abs=1e-12)
    # Smooth, moderate q: Gauss-Hermite is accurate there and must agree.
    gh = mf.gauss_expectation(lambda h: np.tanh(h) ** 2, 1.0)
    assert MEAN(lambda h: np.tanh(h) ** 2, 1.0) == pytest.approx(gh, rel=1e-9)


def test_trapezoid_stays_accurate_where_gauss_hermite_drifts() -> None:
    # E[3² sech⁴(3h)], h ~ N(0, 60): the integrand lives on |h| < 1; a direct fine
    # integral in h is the reference.
    q, n = 60.0, 3.0
    h = np.linspace(-5, 5, 400_001)
    ref = np.trapezoid(n**2 / np.cosh(n * h) ** 4 * np.exp(-h * h / (2 * q)), h)
    ref /= math.sqrt(2 * math.pi * q)
    with np.errstate(over="ignore"):  # cosh overflows far out, where 1/cosh⁴ is 0 anyway
        mine = MEAN(lambda x: n**2 / np.cosh(n * x) ** 4, q)
    assert mine == pytest.approx(ref, rel=1e-6)


@pytest.mark.parametrize(
    ("act", "init", "chi"),
    [
        ("relu", "he", 1.0),
        ("linear", "orthogonal", 1.0),
        ("necro_relu", "he", 1.01),  # backward slope 0.1: 2 · (1 + 0.01) / 2
        ("prelu", "he", 1.0625),  # slope 0.25 both ways: 2 · (1 + 0.0625) / 2
        ("tanh", "lecun", 1.0),  # q* = 0, so χ1 = σ_w² φ'(0)²
        ("relu", "normal", 32.0),
    ],
)
def test_chi1_known_values(act: str, init: str, chi: float) -> None:
    row = M.chi1_row(act, init, _p(width=64), MEAN)
    assert row["chi1"] == pytest.approx(chi, rel=1e-6)
    assert row["chi1_fine_grid"] == pytest.approx(row["chi1"], rel=1e-6)


def test_q_fixed_point_limits_and_equation() -> None:
    tanh = M.numpy_fns(get_activation("tanh"))[0]
    relu = M.numpy_fns(get_activation("relu"))[0]
    sig = M.numpy_fns(get_activation("sigmoid"))[0]
    assert mf.q_fixed_point(tanh, 1.0, MEAN, 300) == 0.0  # creeps to 0 like 1/t
    assert mf.q_fixed_point(relu, 4.0, MEAN, 300) == math.inf
    q = mf.q_fixed_point(sig, 2.0, MEAN, 500)
    assert q == pytest.approx(2.0 * MEAN(lambda h: sig(h) ** 2, q), rel=1e-8)


def test_trajectory_equals_qstar_when_chi1_is_q_free() -> None:
    for name, s2 in (("relu", 2.0), ("linear", 1.5), ("leaky_relu", 1.0)):
        phi, dphi = M.numpy_fns(get_activation(name))
        pred = mf.trajectory_slope(phi, dphi, 0.7, s2, 12, MEAN)
        chi = s2 * MEAN(lambda h, d=dphi: d(h) ** 2, 1.0)
        assert pred == pytest.approx(0.5 * math.log(chi), abs=1e-9)


def test_jacobian_spectrum_matches_autograd() -> None:
    act = get_activation("tanh")
    model = EnsembleMLP(act, "lecun", 5, 8, 6, 3, [0, 1], torch.float64)
    x = torch.randn(3, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    with torch.no_grad():
        pre = M._pre_activations(model, x)
    spec = M.jacobian_spectrum(model, pre, 1)
    for i in range(2):

        def tail(z1: torch.Tensor, i: int = i) -> torch.Tensor:
            z = z1
            for layer in range(1, model.depth):
                z = model.weights[layer][i].detach() @ act(z)
            return z

        jac = torch.autograd.functional.jacobian(tail, pre[0][i, 0].clone())
        ln_sv = torch.log(torch.linalg.svdvals(jac))
        assert spec["jac_ln_sv_sd"][i] == pytest.approx(float(ln_sv.std()), rel=1e-9)
        assert spec["jac_ln_sv_mean"][i] == pytest.approx(float(ln_sv.mean()), rel=1e-9)


def test_run_end_to_end_on_a_tiny_grid(tmp_path: Path) -> None:
    summary = pd.DataFrame(
        [
            {"activation": a, "init": i, "depth": 4, "seed": s, "slope_ln_delta": 0.0}
            for a in ("relu", "tanh")
            for i in ("he", "zeros")
            for s in (0, 1)
        ]
    )
    (tmp_path / "probe").mkdir()
    summary.to_csv(tmp_path / "probe/summary.csv", index=False)
    params = {
        "activations": ["relu", "tanh"],
        "inits": ["he", "zeros"],
        "width": 8,
        "batch_size": 16,
        "trapezoid_points": 1001,
        "q_iters": 50,
        "e4_depths": [2, 3],
        "e4_seeds": [0, 1],
        "e4_width": 64,
        "e4_examples": 1,
    }
    outs = list(run_stage("meanfield", params, tmp_path).values())
    cmp = pd.read_csv(outs[1])
    assert len(cmp) == 8
    relu_he = cmp[(cmp["activation"] == "relu") & (cmp["init"] == "he")]
    assert np.allclose(relu_he["pred_slope_trajectory"], 0.0, atol=1e-9)
    orth = pd.read_csv(outs[2])
    lin = orth[(orth["activation"] == "linear") & (orth["init"] == "orthogonal")]
    # inits.py rounds orthogonal matrices to float32: singular values are 1 to ~1e-7.
    assert (lin["jac_ln_sv_sd"] < 1e-6).all() and (lin["log10_ratio"].abs() < 1e-6).all()
