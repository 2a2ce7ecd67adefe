"""The phase-diagram study (fixed points, critical line, measured slopes), its figures, and the
E6 check's verdicts on synthetic tables."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from vanishing.claims import checks_phase as C
from vanishing.claims.registry import VERDICTS, Results
from vanishing.core import mean_field as mf
from vanishing.core.activations import DEFAULT_LEAKY_SLOPE, LECUN_A, LECUN_B, get_activation
from vanishing.core.models import EnsembleMLP
from vanishing.core.vocabulary import family
from vanishing.machinery.pipeline import results_at, run_stage, table_paths
from vanishing.studies import meanfield as M
from vanishing.studies import phase as P

MEAN = mf.Trapezoid(4001)
TINY = {
    "activations": ["tanh", "relu", "softplus"],
    "sigma_w2": [0.5, 1.0, 2.0, 4.0],
    "sigma_b2": [0.0, 0.3],
    "depths": [4, 8],
    "seeds": [0, 1, 2],
    "width": 8,
    "batch_size": 3,
    "trapezoid_points": 2001,
    "line_points": 5,
}


def _moments(name: str) -> mf.Moments:
    return mf.Moments(*M.numpy_fns(get_activation(name)), MEAN)


# ---- parameters and families -----------------------------------------------------------


def test_families() -> None:
    assert [family(a) for a in ("sigmoid", "tanh_n3", "lecun_tanh")] == ["sigmoidal"] * 3
    assert [family(a) for a in ("relu", "leaky_relu0.2", "prelu", "necro_relu")] == [
        "relu_family"
    ] * 4
    assert [family(a) for a in ("elu", "softplus", "abs", "linear")] == ["other"] * 4


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("activations", ["swish"]),
        ("sigma_w2", [1.0, 0.5, 2.0]),
        ("sigma_w2", [0.0, 1.0, 2.0]),
        ("sigma_b2", [-0.1, 0.2]),
        ("depths", [2, 8]),
        ("seeds", [0]),
        ("trapezoid_points", 100),
        ("line_points", 1),
    ],
)
def test_validate_names_the_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        P.Params(**{field: value}).validate()


# ---- theory ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "sw2"), [("sigmoid", 2.0), ("tanh", 2.0), ("elu", 1.5), ("tanh", 0.9), ("relu", 4.0)]
)
def test_fixed_point_matches_the_mean_field_study(name: str, sw2: float) -> None:
    phi = M.numpy_fns(get_activation(name))[0]
    want = mf.q_fixed_point(phi, sw2, MEAN, 2000)
    got = mf.q_fixed_points(_moments(name), np.array([sw2]), np.array([0.0]), np.array([1.0]))[0]
    if math.isfinite(want) and want > 0:
        assert got == pytest.approx(want, rel=1e-7)
    else:
        assert got == want


def test_fixed_point_with_bias_solves_the_length_map() -> None:
    m = _moments("tanh")
    sw, sb = np.array([1.5, 3.0, 0.5]), np.array([0.2, 0.05, 0.4])
    q = mf.q_fixed_points(m, sw, sb, sw + sb)
    np.testing.assert_allclose(q, sw * m.a_at(q) + sb, rtol=1e-10)
    # Independent: the plain iteration, from the same start, ends at the same place.
    phi = M.numpy_fns(get_activation("tanh"))[0]
    for i in range(3):
        qi = sw[i] + sb[i]
        for _ in range(3000):
            qi = sw[i] * MEAN(lambda h: phi(h) ** 2, qi) + sb[i]
        assert q[i] == pytest.approx(qi, rel=1e-8)


def _brute_critical(name: str, sb2: float, lo: float, hi: float) -> float:
    """σ_w² with χ1(q*) = 1 by bisection on σ_w², q* by plain iteration (no shared code
    with the study's root finding)."""
    phi, dphi = M.numpy_fns(get_activation(name))

    def chi(sw2: float) -> float:
        q = sw2 + sb2
        for _ in range(4000):
            q_next = sw2 * MEAN(lambda h: phi(h) ** 2, q) + sb2
            if abs(q_next - q) < 1e-14 * q:
                break
            q = q_next
        return sw2 * MEAN(lambda h: dphi(h) ** 2, q)

    for _ in range(45):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if chi(mid) < 1 else (lo, mid)
    return 0.5 * (lo + hi)


@pytest.mark.parametrize(
    ("name", "sb2", "hi"), [("tanh", 0.1, 4.0), ("tanh", 0.4, 4.0), ("elu", 0.3, 1.95)]
)
def test_critical_line_against_bisection_on_sigma_w2(name: str, sb2: float, hi: float) -> None:
    line = P.critical_points(_moments(name), np.array([sb2]))
    assert len(line) == 1 and line["direction"].iloc[0] == 1
    want = _brute_critical(name, sb2, 1.0, hi)
    assert line["sigma_w2"].iloc[0] == pytest.approx(want, rel=1e-7)


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("relu", 2.0),
        ("leaky_relu", 2.0 / (1 + DEFAULT_LEAKY_SLOPE**2)),
        ("prelu", 2.0 / 1.0625),
        ("necro_relu", 2.0 / 1.01),
        ("linear", 1.0),
        ("abs", 1.0),
        ("softplus", 2.0),  # reached as q* → ∞, where E[sigmoid(h)²] → ½
    ],
)
def test_critical_line_is_vertical_where_known(name: str, want: float) -> None:
    line = P.critical_points(_moments(name), np.array([0.0, 0.1, 0.5]))
    assert len(line) == 3
    np.testing.assert_allclose(line["sigma_w2"], want, rtol=1e-6)


@pytest.mark.parametrize(
    ("name", "want"),
    [("tanh", 1.0), ("tanh_n2", 0.25), ("elu", 1.0), ("lecun_tanh", 1 / (LECUN_A * LECUN_B) ** 2)],
)
def test_critical_point_at_zero_bias_is_one_over_slope_squared(name: str, want: float) -> None:
    # σ_b² = 0, φ(0) = 0: q* → 0 at the transition, where χ1 = σ_w² φ'(0)².
    line = P.critical_points(_moments(name), np.array([0.0]))
    assert line["sigma_w2"].iloc[0] == pytest.approx(want, rel=1e-4)


def test_sigmoid_line_exists_far_off_the_grid() -> None:
    line = P.critical_points(_moments("sigmoid"), np.array([0.0, 0.5]))
    assert (line["sigma_w2"] > 50).all() and (line["kind"] == "finite q*").all()
    q, chi = mf.chi1_fixed(_moments("sigmoid"), line["sigma_w2"].to_numpy(), np.array([0.0, 0.5]))
    np.testing.assert_allclose(chi, 1.0, rtol=1e-6)


# ---- measurement -------------------------------------------------------------------------


def _slopes(name: str, sw: list[float], sb: list[float], depth: int = 6) -> np.ndarray:
    d = P.draw(get_activation(name), depth, 8, [0, 1, 2], 4)
    slope, status = P.fit_slopes(P.delta_norms(d, np.array(sw), np.array(sb)))
    assert (status == "finite").all()
    return slope


@pytest.mark.parametrize(("name", "sb"), [("linear", 0.3), ("relu", 0.0), ("abs", 0.0)])
def test_homogeneous_nets_slope_moves_by_half_ln_sigma_w2(name: str, sb: float) -> None:
    # δ_l = φ'(z_l) ⊙ σ_w W̃ᵀ δ_{l+1}, and φ'(z_l) is unchanged by scaling z: each layer
    # multiplies ‖δ‖ by σ_w exactly, so the slope is the σ_w² = 1 slope + ½ ln σ_w².
    sw = [0.5, 1.0, 3.0]
    s = _slopes(name, sw, [sb] * 3)
    want = np.broadcast_to(0.5 * np.log(np.array(sw)), s.shape)
    np.testing.assert_allclose(s - s[:, [1]], want, atol=1e-12)


def test_linear_slope_is_half_ln_sigma_w2_on_average() -> None:
    s = _slopes("linear", [0.5, 2.0], [0.0, 0.0], depth=12)
    # Finite width adds seed noise and an O(1/width) bias; the mean stays near ½ ln σ_w².
    np.testing.assert_allclose(s.mean(0), 0.5 * np.log([0.5, 2.0]), atol=0.08)


@pytest.mark.parametrize("name", ["tanh", "prelu", "necro_relu", "softplus"])
def test_hand_backward_matches_autograd(name: str) -> None:
    act = get_activation(name)
    depth, width, seeds, batch = 3, 5, [0, 1], 2
    d = P.draw(act, depth, width, seeds, batch)
    sw2, sb2 = np.array([0.7, 2.5]), np.array([0.0, 0.4])
    norms = P.delta_norms(d, sw2, sb2)
    for c in range(2):
        model = EnsembleMLP(act, "zeros", depth, width, width, P.N_OUT, seeds, torch.float64)
        with torch.no_grad():
            for layer, w in enumerate(d.weights):
                model.weights[layer].copy_(w * math.sqrt(sw2[c]))
                model.biases[layer].copy_(d.biases[layer] * math.sqrt(sb2[c]))
        fwd = model(d.x, keep=True)
        (fwd.logits * d.readout).sum().backward()
        for layer in range(depth):
            want = fwd.pre[layer].grad.flatten(1).norm(dim=1)
            torch.testing.assert_close(norms[:, c, layer], want, rtol=1e-12, atol=0)


def test_fit_slopes_matches_backward_slope_and_flags_status() -> None:
    rng = np.random.default_rng(0)
    norms = np.exp(rng.normal(size=(4, 7)))
    norms[2, 3] = np.inf
    norms[3, 5] = 0.0
    slope, status = P.fit_slopes(torch.as_tensor(norms))
    for i in range(2):
        assert slope[i] == pytest.approx(mf.backward_slope(np.arange(1, 8), norms[i]), rel=1e-12)
    assert list(status) == ["finite", "finite", "diverged", "vanished"]
    assert np.isnan(slope[2:]).all()


def _run(root: Path, params: dict) -> dict[str, Path]:
    """The stage, in-process, with its tables where the manifest puts them under root."""
    return run_stage("phase", params, root)


def test_run_writes_tidy_deterministic_tables(tmp_path: Path) -> None:
    a = _run(tmp_path / "a", TINY)
    b = _run(tmp_path / "b", TINY)
    for k in a:
        assert a[k].read_bytes() == b[k].read_bytes()
    grid = pd.read_csv(a["grid"])
    assert list(grid.columns) == P.GRID_COLUMNS
    assert len(grid) == 3 * 4 * 2 * 2 * 3  # activations × σ_w² × σ_b² × depths × seeds
    assert set(grid["status"]) == {"finite"}
    theory = pd.read_csv(a["theory"])
    relu = theory[theory["activation"] == "relu"]
    np.testing.assert_allclose(relu["pred_slope"], 0.5 * np.log(relu["sigma_w2"] / 2), atol=1e-9)
    crit = pd.read_csv(a["critical"])
    assert set(crit["activation"]) == set(TINY["activations"])
    assert set(TINY["sigma_b2"]) <= set(crit["sigma_b2"].round(9))


# ---- the E6 check on synthetic tables ----------------------------------------------------

SW = [2.0 ** (k / 2) for k in range(-6, 7)]
SB = [0.0, 0.25]
CRIT_AT = {"tanh": 1.0, "relu": 2.0, "linear": 1.0}


def _tables(
    root: Path, shift: dict[str, float], noise: float = 0.002, diverged_below: float = 0.0
) -> Results:
    """A line χ1 = 1 at CRIT_AT[a] (vertical); the measured level set at CRIT_AT[a]·shift[a].
    Networks at σ_w² < diverged_below are marked diverged."""
    rng = np.random.default_rng(1)
    grid, theory, crit = [], [], []
    for a, c in CRIT_AT.items():
        for depth in (8, 16):
            for w in SW:
                for b in SB:
                    pred = 0.5 * math.log(w / c)
                    theory.append(
                        {
                            "activation": a,
                            "family": family(a),
                            "depth": depth,
                            "sigma_w2": w,
                            "sigma_b2": b,
                            "q_star": 1.0,
                            "chi1": w / c,
                            "pred_slope": pred,
                            "pred_slope_trajectory": pred,
                        }
                    )
                    for s in range(6):
                        slope = 0.5 * math.log(w / (c * shift.get(a, 1.0))) + noise * rng.normal()
                        bad = w < diverged_below
                        grid.append(
                            {
                                "activation": a,
                                "family": family(a),
                                "depth": depth,
                                "sigma_w2": w,
                                "sigma_b2": b,
                                "seed": s,
                                "slope": np.nan if bad else slope,
                                "status": "diverged" if bad else "finite",
                            }
                        )
        for b in SB:
            crit.append(
                {
                    "activation": a,
                    "family": family(a),
                    "sigma_b2": b,
                    "branch": 0,
                    "sigma_w2": c,
                    "q_star": np.nan,
                    "kind": "q-independent",
                    "direction": 1,
                }
            )
    for name, rows in ((C.GRID, grid), (C.THEORY, theory), (C.CRIT, crit)):
        (path,) = table_paths({}, name, str(root))
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(rows).to_csv(path, index=False)
    return results_at(root)


def test_e6_supported_when_every_level_set_sits_on_the_line(tmp_path: Path) -> None:
    res = C.check_e6_phase(_tables(tmp_path, {}))
    assert res.verdict == "supported"
    assert res.values["gap_worst_hi"] <= C.GAP


def test_e6_refuted_when_every_level_set_is_off_the_line(tmp_path: Path) -> None:
    res = C.check_e6_phase(_tables(tmp_path, {a: 2.0 for a in CRIT_AT}))
    assert res.verdict == "refuted"
    assert res.values["gap_worst"] == pytest.approx(math.log(2.0), abs=0.02)


def test_e6_qualified_names_the_failing_activation_and_family(tmp_path: Path) -> None:
    res = C.check_e6_phase(_tables(tmp_path, {"tanh": 1.6}))
    assert res.verdict == "qualified"
    assert "tanh" in res.measured.split("Beyond the gap:")[1]
    assert "sigmoidal: refuted" in res.measured and "ReLU family: supported" in res.measured
    by_name = {p["name"]: p["verdict"] for p in res.parts}
    assert by_name["sigmoidal: tanh"] == "refuted" and by_name["ReLU family"] == "supported"
    json.dumps(res.to_dict(), allow_nan=False)  # claims.json is plain JSON


def test_e6_counts_diverged_networks_as_exploding(tmp_path: Path) -> None:
    # Networks that "diverge" where the theory says vanish: the measured level set moves to
    # the bottom of the grid, far from the line, for every activation.
    res = C.check_e6_phase(_tables(tmp_path, {}, diverged_below=0.6))
    assert res.verdict == "refuted"
    assert "Diverged or vanished networks: 180 of" in res.note


def test_e6_off_grid_line_with_no_crossing_agrees(tmp_path: Path) -> None:
    # A line far right of the grid and a measurement that vanishes everywhere: gap 0.
    CRIT_AT["tanh"] = 100.0
    try:
        res = C.check_e6_phase(_tables(tmp_path, {}))
    finally:
        CRIT_AT["tanh"] = 1.0
    assert res.values["gap_tanh"] == 0.0 and res.verdict == "supported"


def test_e6_knife_edge(tmp_path: Path) -> None:
    # A line placed so that the measured gap's interval straddles the threshold (the grid's
    # spacing adds to the gap, hence 0.8): inconclusive.
    res = C.check_e6_phase(_tables(tmp_path, {"tanh": math.exp(C.GAP * 0.8)}, noise=0.05))
    assert res.verdict == "inconclusive"
    assert res.statistic.lo <= C.GAP <= res.statistic.hi
    assert res.more_runs_needed is not None and res.more_runs_needed >= 1
    assert res.values["gap_tanh"] == pytest.approx(C.GAP, abs=0.1)


def test_e6_on_a_tiny_real_run(tmp_path: Path) -> None:
    _run(tmp_path, TINY)
    res = C.check_e6_phase(results_at(tmp_path))
    assert res.verdict in VERDICTS
    assert res.figures == C.FIGURES


# ---- figures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_tables(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("phase")
    _run(folder, {**TINY, "activations": ["tanh", "relu"]})  # no "other" activation: empty
    return folder


@pytest.mark.parametrize("module", ["phase_sigmoidal", "phase_relu_family", "phase_other"])
def test_figures_draw_deterministically(tmp_path: Path, tiny_tables: Path, module: str) -> None:
    import importlib

    mod = importlib.import_module(f"vanishing.figures.{module}")
    assert mod.__doc__ and "χ1 = 1" in mod.__doc__.split("\n\n")[0]
    pngs = []
    for k in range(2):
        outs = [tmp_path / f"{module}{k}.png", tmp_path / f"{module}{k}.pdf"]
        mod.main(results_at(tiny_tables), outs, {})
        pngs.append(outs[0].read_bytes())
        assert outs[1].stat().st_size > 0
    assert pngs[0] == pngs[1]


def test_e6_result_serialises_like_every_claim(tmp_path: Path) -> None:
    import json

    res = C.check_e6_phase(_tables(tmp_path, {}))
    d = res.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["statistic"]["threshold"] == pytest.approx(C.GAP)
