"""Claim D5's remedies: sigmoid's critical σ_w², the remedies table against autograd, and the
check driven to each verdict it defines on synthetic tables."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from tests.tables import write
from vanishing.claims import checks_remedies as cr
from vanishing.claims.stats import collecting_run_tables
from vanishing.core.activations import get_activation
from vanishing.core.models import EnsembleMLP, reference_mlp
from vanishing.machinery.pipeline import results_at
from vanishing.studies import source_d as sd
from vanishing.studies.phase import critical_sigma_w2

# ---- the critical init -----------------------------------------------------------


def _simpson_mean(f, q: float, n: int = 40_001) -> float:
    """E[f(h)], h ~ N(0, q), by composite Simpson on a grid in h itself (the phase module
    integrates on a fixed grid in z = h/√q with the trapezoid rule: independent)."""
    s = math.sqrt(q)
    h = np.linspace(-14 * s, 14 * s, n)
    wts = np.ones(n)
    wts[1:-1:2], wts[2:-1:2] = 4, 2
    dens = np.exp(-h * h / (2 * q)) / math.sqrt(2 * math.pi * q)
    return float(np.sum(wts * f(h) * dens) * (h[1] - h[0]) / 3)


def _sigmoid(h: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(h / 2))


def _chi1(sigma_w2: float) -> tuple[float, float]:
    """(q*, χ1 at q*) for sigmoid at σ_b² = 0: q ← σ_w² E[σ(h)²] iterated to its fixed point."""
    q = sigma_w2
    for _ in range(10_000):
        q_next = sigma_w2 * _simpson_mean(lambda h: _sigmoid(h) ** 2, q)
        if abs(q_next - q) < 1e-13 * q:
            break
        q = q_next
    else:
        raise AssertionError("the length map did not converge")
    return q, sigma_w2 * _simpson_mean(lambda h: (_sigmoid(h) * (1 - _sigmoid(h))) ** 2, q)


def test_sigmoid_critical_sigma_w2_gives_chi1_one_by_independent_quadrature() -> None:
    sw2, q_star = critical_sigma_w2("sigmoid", 0.0)
    assert 50 < sw2 < 200  # near 10², as the phase study says
    q, chi = _chi1(sw2)
    assert q == pytest.approx(q_star, rel=1e-8)
    assert chi == pytest.approx(1.0, abs=1e-8)
    # the order-to-chaos crossing: vanishing below, exploding above
    assert _chi1(0.99 * sw2)[1] < 1 < _chi1(1.01 * sw2)[1]


def test_critical_sigma_w2_takes_the_rising_branch(monkeypatch: pytest.MonkeyPatch) -> None:
    sw2, q = critical_sigma_w2("relu")
    assert sw2 == pytest.approx(2.0, rel=1e-6) and math.isnan(q)
    from vanishing.studies import phase

    line = pd.DataFrame(
        {
            "sigma_b2": [0.0, 0.0, 0.0],
            "branch": [0, 1, 2],
            "sigma_w2": [1.5, 3.0, 9.0],
            "q_star": [0.1, 1.0, 5.0],
            "kind": ["finite q*"] * 3,
            "direction": [-1, 1, 1],
        }
    )
    monkeypatch.setattr(phase, "critical_points", lambda m, sb: line)
    assert critical_sigma_w2("sigmoid") == (3.0, 1.0)  # the first rising one, not the falling
    monkeypatch.setattr(phase, "critical_points", lambda m, sb: line.iloc[:1])
    with pytest.raises(ValueError, match="no order-to-chaos"):
        critical_sigma_w2("sigmoid")


# ---- the remedies table ------------------------------------------------------------

SMALL = {"seeds": [0, 1], "width": 8, "remedy_depths": [2, 3], "batch_size": 16}


@pytest.fixture(scope="module")
def small_table() -> tuple[pd.DataFrame, float]:
    p = sd.Params(**SMALL)
    x, y = sd.train_inputs(p.inputs)
    crit = critical_sigma_w2("sigmoid")[0]
    return sd.remedies(p, x, y, crit), crit


def _reference_norms(
    activation: str, init: str, depth: int, seed: int, crit: float
) -> tuple[list[float], list[float]]:
    """‖∂L/∂W_l‖ and ‖δ_l‖ of one network, built alone as an nn.Sequential and differentiated
    by plain autograd on its seed's step-0 minibatch."""
    p = sd.Params(**SMALL)
    x, y = sd.train_inputs(p.inputs)
    x = x.double()
    idx = sd.batch_indices([seed], len(x), p.batch_size, 1)[0, 0]
    xb, yb = x[idx], y[idx]
    drawn = "lecun" if init == sd.CRITICAL else init
    single = EnsembleMLP(
        get_activation(activation), drawn, depth, p.width, x.shape[1], 10, [seed], torch.float64
    )
    net = reference_mlp(single, 0)
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    if init == sd.CRITICAL:
        with torch.no_grad():
            for lin in linears:
                lin.weight *= math.sqrt(crit)
    zs, h = [], xb
    for m in net:
        h = m(h)
        if isinstance(m, torch.nn.Linear):
            h.retain_grad()
            zs.append(h)
    torch.nn.functional.cross_entropy(h, yb).backward()
    return (
        [float(lin.weight.grad.norm()) for lin in linears],
        [float(z.grad.norm()) for z in zs],
    )


@pytest.mark.parametrize(
    ("activation", "init"), [("sigmoid", "normal"), ("relu", "he"), ("sigmoid", "critical")]
)
def test_remedies_norms_equal_autograd(small_table, activation: str, init: str) -> None:
    table, crit = small_table
    for depth in (2, 3):
        for seed in (0, 1):
            rows = table[
                (table["activation"] == activation)
                & (table["init"] == init)
                & (table["depth"] == depth)
                & (table["seed"] == seed)
            ].sort_values("layer")
            assert list(rows["layer"]) == list(range(1, depth + 2))
            grads, deltas = _reference_norms(activation, init, depth, seed, crit)
            np.testing.assert_allclose(rows["weight_grad_norm"], grads, rtol=1e-10)
            np.testing.assert_allclose(rows["delta_norm"], deltas, rtol=1e-10)


def test_remedies_table_layout(small_table) -> None:
    table, crit = small_table
    assert list(table.columns) == sd.REMEDY_COLUMNS
    setups = table.drop_duplicates(["activation", "init"])
    assert list(zip(setups["activation"], setups["init"], strict=True)) == [
        (a, i) for _, a, i in sd.REMEDY_SETUPS
    ]
    s = dict(zip(setups["init"] + "/" + setups["activation"], setups["sigma_w2"], strict=True))
    assert s["normal/sigmoid"] == 8 and s["he/relu"] == 2 and s["xavier/sigmoid"] == 1
    assert s["critical/sigmoid"] == crit
    assert (table["status"] == "finite").all()
    # 6 set-ups × (3 + 4 layers) × 2 seeds
    assert len(table) == len(sd.REMEDY_SETUPS) * 7 * 2


# ---- the check on synthetic tables -------------------------------------------------

SETUPS = [
    ("none", "sigmoid", "normal", 64.0),
    ("activation", "relu", "normal", 64.0),
    ("init", "sigmoid", "xavier", 1.0),
    ("init", "sigmoid", "critical", 103.0),
    ("both", "relu", "he", 2.0),
]
SEEDS = list(range(10))


def _table(
    ratios: dict[tuple[str, str, int], float],
    noise: float = 0.05,
    delta_shift: dict[tuple[str, str], float] | None = None,
    overflowed: dict[tuple[str, str, int], int] | None = None,
) -> pd.DataFrame:
    """A remedies table whose log10 ‖∂L/∂W_1‖/‖∂L/∂W_out‖ is ``ratios[(act, init, depth)]``
    plus seed noise (default −3 for anything not given); the δ ratio equals it plus
    ``delta_shift``; the first ``overflowed`` seeds of a cell are marked overflowed."""
    rng = np.random.default_rng(0)
    rows = []
    for change, act, init, sw2 in SETUPS:
        for depth in (4, 16):
            base = ratios.get((act, init, depth), -3.0)
            bad = (overflowed or {}).get((act, init, depth), 0)
            for seed in SEEDS:
                r = base + noise * rng.standard_normal()
                dr = r + (delta_shift or {}).get((act, init), 0.0)
                for layer in range(1, depth + 2):
                    first, last = layer == 1, layer == depth + 1
                    rows.append(
                        {
                            "change": change,
                            "activation": act,
                            "init": init,
                            "sigma_w2": sw2,
                            "depth": depth,
                            "seed": seed,
                            "layer": layer,
                            "hidden": layer <= depth,
                            "weight_grad_norm": 10.0**r if first else 1.0 if last else 0.5,
                            "delta_norm": 10.0**dr if first else 1.0 if last else 0.5,
                            "loss": 2.3,
                            "status": "overflowed" if seed < bad else "finite",
                        }
                    )
    return pd.DataFrame(rows)


def _check(tmp_path: Path, name: str, table: pd.DataFrame):
    root = tmp_path / name
    write(root, "source_d.remedies", table)
    return cr.check_d5_remedies(results_at(root))


LEVEL = {("relu", "normal", 4): -0.2, ("sigmoid", "critical", 4): 0.3}


def test_d5_supported_when_the_set_up_vanishes_and_both_remedies_level_it(tmp_path) -> None:
    res = _check(tmp_path, "a", _table(LEVEL))
    assert res.verdict == "supported"
    assert "critical σ_w² = 103 (χ1 = 1)" in res.note
    # every set-up's ratio per depth is in the row, by reader labels
    for text in ("sigmoid, N(0, 1) (the tutorial's)", "ReLU, N(0, 1)", "sigmoid, Xavier"):
        assert text in res.measured
    assert "relu/" not in res.measured + res.evidence + res.note
    assert "δ ratio" not in res.measured  # the two ratios agree here


def test_d5_inconclusive_when_a_remedy_is_undecided(tmp_path) -> None:
    # every set-up as far from level as the tutorial's, give or take the seed noise
    res = _check(tmp_path, "b", _table({}, noise=1.0))
    assert res.verdict == "inconclusive"


def test_d5_refuted_by_a_failing_premise(tmp_path) -> None:
    # the first layer's weight gradient is larger than the output layer's: nothing to remedy
    res = _check(tmp_path, "c", _table({**LEVEL, ("sigmoid", "normal", 4): 0.4}))
    assert res.verdict == "refuted"
    assert "shrinks towards the input" in res.condition
    assert "premise fails" in res.note


def test_d5_counter_examples_never_refute_a_remedy(tmp_path) -> None:
    # Xavier far from level at depth 4: an existence claim ignores it
    res = _check(tmp_path, "d", _table({**LEVEL, ("sigmoid", "xavier", 4): -9.0}))
    assert res.verdict == "supported"


def test_d5_an_out_of_scope_clear_case_does_not_change_the_verdict(tmp_path) -> None:
    no_activation = {("sigmoid", "critical", 4): 0.3}
    without = _check(tmp_path, "e", _table(no_activation))
    deeper = {**no_activation, ("relu", "normal", 16): 0.1}
    with_deep = _check(tmp_path, "f", _table(deeper))
    assert without.verdict == with_deep.verdict == "inconclusive"
    gen = {g["condition"]: g["verdict"] for g in with_deep.generalisation}
    assert gen["changing the activation (ReLU) is a remedy: ReLU, N(0, 1), depth 16"] == (
        "supported"
    )
    # ReLU with He is reported for reference, never in the verdict
    assert any(k.startswith("changing both (ReLU, He)") for k in gen)


def test_d5_overflowed_networks_count_against_level(tmp_path) -> None:
    table = _table(LEVEL, overflowed={("relu", "normal", 4): 6})
    with collecting_run_tables() as tables:
        res = _check(tmp_path, "g", table)
    assert res.diverged == {"runs": 6, "of": len(SETUPS) * 2 * len(SEEDS)}
    # the count in the evidence, the runs themselves in the appendix table
    assert "6 overflowed" in res.evidence and "appendix table" in res.evidence
    assert len(tables) == 1 and len(tables[0]["rows"]) == 6
    assert tables[0]["rows"][0] == ["ReLU, N(0, 1), depth 4, seed 0", "overflowed"]
    parts = {p["name"]: p for p in res.parts}
    relu = parts["changing the activation (ReLU) is a remedy: ReLU, N(0, 1), depth 4"]
    assert relu["verdict"] != "supported"  # a median of +∞ is not level
    # the activation remedy lost its clear case: the claim is no longer supported
    assert res.verdict == "inconclusive"


def test_d5_quotes_the_delta_ratio_where_it_disagrees(tmp_path) -> None:
    res = _check(tmp_path, "h", _table(LEVEL, delta_shift={("relu", "normal"): 3.0}))
    assert "ReLU, N(0, 1): " in res.measured
    relu_text = res.measured.split("ReLU, N(0, 1): ")[1].split(";")[0]
    assert "δ ratio" in relu_text and "at depth 4" in relu_text
    assert res.measured.startswith("∂L/∂W ratio")


def test_d5_not_tested_without_the_tutorial_depth(tmp_path) -> None:
    t = _table(LEVEL)
    res = _check(tmp_path, "i", t[t["depth"] != 4])
    assert res.verdict == "not tested"


def test_the_stage_writes_the_remedies_table_and_d5_reads_it(tmp_path: Path) -> None:
    from vanishing.machinery.pipeline import run_stage

    params = {
        "steps": 2,
        "checkpoints": 1,
        "seeds": [0, 1],
        "width": 8,
        "bins": 5,
        "variant_widths": [8],
        "variant_inputs": ["standardised"],
        "remedy_depths": [4, 6],
    }
    run_stage("source_d", params, tmp_path)
    table = pd.read_csv(tmp_path / "studies/source_d/remedies.csv")
    assert set(table["depth"]) == {4, 6} and set(table["seed"]) == {0, 1}
    meta = pd.read_json(tmp_path / "studies/source_d/meta.json", typ="series")
    assert meta["critical_sigma_w2"] == pytest.approx(critical_sigma_w2("sigmoid")[0])
    res = cr.check_d5_remedies(results_at(tmp_path))
    assert res.verdict in ("supported", "refuted", "inconclusive")
    assert res.tables == ["source_d.remedies"]
