"""Tests of the small focused studies and their claim checks.

Study code is checked against independent computations (autograd, per-network
runs, closed forms); each check runs on tiny synthetic tables and must flip its
verdict when the numbers do.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from vanishing import pipeline
from vanishing.activations import get_activation
from vanishing.claims import checks_studies as cs
from vanishing.models import EnsembleMLP
from vanishing.pipeline import results_at
from vanishing.studies import backprop, dying, facts, xor
from vanishing.studies._small import batch_orders, evaluate

# ---- study code against independent computations ------------------------------


@pytest.mark.parametrize("name", ["tanh", "relu"])
def test_manual_backward_matches_autograd(name: str) -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(7, 5, generator=g, dtype=torch.float64)
    y = torch.tensor([0, 1, 2, 0, 1, 2, 0])
    init = "he" if name == "relu" else "xavier"
    model = EnsembleMLP(get_activation(name), init, 3, 6, 5, 3, [0, 1], torch.float64)
    gw_auto, dz_auto = backprop.autograd_backward(model, x, y)
    with torch.no_grad():
        gw_man, dz_man = backprop.manual_backward(model, x, y)
    for a, m in zip(gw_auto + dz_auto, gw_man + dz_man, strict=True):
        torch.testing.assert_close(a, m, rtol=1e-12, atol=1e-14)


def test_batch_order_depends_on_own_seed_only() -> None:
    both = batch_orders([0, 1], 50, 8, 13)
    alone = batch_orders([1], 50, 8, 13)
    assert torch.equal(both[:, 1], alone[:, 0])
    assert not torch.equal(both[:, 0], both[:, 1])


def test_xor_ensemble_equals_single_network_runs() -> None:
    opt = {"name": "adam", "lr": 0.05, "steps": 30}
    pair = xor.train_xor("relu", 2, [3, 4], "xavier", opt, torch.float64)
    single = xor.train_xor("relu", 2, [4], "xavier", opt, torch.float64)
    assert pair.iloc[1]["final_loss"] == pytest.approx(single.iloc[0]["final_loss"], rel=1e-12)


def test_born_dead_matches_per_network_forward() -> None:
    p = dying.Params(widths=[2], depths=[6], n_seeds=40, n_inputs=64)
    df = dying.born_dead_run(p)
    # zero biases: constant output <=> some hidden layer is all zero
    assert (df["born_dead"] == (df["first_dead_layer"] > 0)).all()
    assert 0 < df["born_dead"].mean() < 1  # depth 6, width 2: both kinds occur


def test_zero_init_relu_stays_zero() -> None:
    p = dying.Params(
        zero_activations=["relu", "sigmoid"],
        zero_depth=2,
        zero_width=4,
        zero_steps=3,
        zero_seeds=[0],
    )
    df = dying.zero_init_run(p)
    relu = df[df["activation"] == "relu"]
    assert (relu["hidden_abs_max"] == 0).all() and (relu["hidden_grad_abs_max"] == 0).all()
    sig = df[(df["activation"] == "sigmoid") & (df["step"] == 3)]
    assert (sig["hidden_grad_abs_max"] > 0).all()


def test_facts_closed_forms() -> None:
    p = facts.Params(n_samples=200_000, lin_depths=[3], lin_seeds=[0, 1])
    f = facts.scalar_facts(p)
    assert f["autograd_derivative_at_0_relu"] == 0.0
    assert f["normal_inside_unit_mc"] == pytest.approx(math.erf(1 / math.sqrt(2)), abs=0.005)
    assert f["tanh_identity_max_abs_error"] < 1e-12
    lin = facts.linear_net(p)
    assert (lin["product_residual"] < 1e-12).all() and (lin["rank"] <= 8).all()


def test_evaluate_dead_fraction_by_hand() -> None:
    model = EnsembleMLP(get_activation("relu"), "he", 1, 3, 2, 2, [0], torch.float64)
    with torch.no_grad():
        model.biases[0][0, 0, :] = torch.tensor([-100.0, 0.0, 100.0])
    x = torch.randn(20, 2, dtype=torch.float64)
    ev = evaluate(model, x, torch.zeros(20, dtype=torch.long))
    assert float(ev["dead_frac"][0]) == pytest.approx(1 / 3)


def test_tanh_derivative_from_output() -> None:
    out = backprop.tanh_derivative(
        backprop.Params(timing_numel=1000, timing_repeats=3, depths=[1], seeds=[0], batch_size=8)
    )
    assert out["max_abs_diff_from_y_vs_autograd"] < 1e-12
    assert out["torch_tanh_saves_result"]


# ---- checks on synthetic tables ------------------------------------------------


def _write(root: Path, rel: str, obj: pd.DataFrame | dict) -> None:
    """Write a table, named by the manifest ("xor.runs") or by its path."""
    if not rel.endswith((".csv", ".json")):
        (rel,) = pipeline.table_paths({}, rel, "")
        rel = rel.lstrip("/")
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(obj, pd.DataFrame):
        obj.to_csv(p, index=False)
    else:
        p.write_text(json.dumps(obj))


def _sparsity(
    root: Path, raise_by: float = 0.1, soft_zero: float = 0.0, relu_acc: float = 0.95
) -> None:
    rows = []
    for act in ("relu", "softplus"):
        for lam in (0.0, 0.1):
            for seed in range(4):
                for phase in ("init", "final"):
                    z = 0.5 if act == "relu" else soft_zero
                    if act == "relu" and phase == "final":
                        z = 0.45 + (raise_by if lam > 0 else 0) + 0.001 * seed
                    acc = (relu_acc if act == "relu" else 0.95) + 0.002 * (seed % 2)
                    rows.append(
                        {
                            "activation": act,
                            "l1": lam,
                            "seed": seed,
                            "phase": phase,
                            "zero_frac": z,
                            "test_accuracy": acc,
                            "dead_frac": 0.0,
                        }
                    )
    _write(root, cs.SPARSITY, pd.DataFrame(rows))


def _relu_probe(root: Path, zero: float) -> None:
    rows = [
        {
            "activation": "relu",
            "init": "xavier",
            "depth": d,
            "seed": s,
            "layer": 1,
            "hidden": True,
            "zero_frac": zero,
        }
        for d in (2, 4)
        for s in range(3)
    ]
    _write(root, "probe/activation~relu.csv", pd.DataFrame(rows))


def test_b3_flips(tmp_path: Path) -> None:
    _relu_probe(tmp_path, 0.5)
    _sparsity(tmp_path, raise_by=0.1)
    assert cs.check_b3_half_zero(results_at(tmp_path)).verdict == "supported"
    _relu_probe(tmp_path, 0.3)
    _sparsity(tmp_path, raise_by=0.0)
    assert cs.check_b3_half_zero(results_at(tmp_path)).verdict == "refuted"


def test_b4_flips(tmp_path: Path) -> None:
    _sparsity(tmp_path, relu_acc=0.95)
    assert cs.check_b4_softplus(results_at(tmp_path)).verdict == "supported"
    _sparsity(tmp_path, relu_acc=0.80)
    assert cs.check_b4_softplus(results_at(tmp_path)).verdict == "qualified"
    _sparsity(tmp_path, soft_zero=0.3)
    assert cs.check_b4_softplus(results_at(tmp_path)).verdict == "refuted"


def _xor(root: Path, relu: float, leaky: float, ab: float) -> None:
    rows = []
    for act, p in (("relu", relu), ("leaky_relu", leaky), ("abs", ab)):
        k = int(round(p * 200))
        rows += [
            {"activation": act, "width": 2, "optimizer": "adam", "seed": s, "success": s < k}
            for s in range(200)
        ]
    _write(root, cs.XOR, pd.DataFrame(rows))


def test_b6_flips(tmp_path: Path) -> None:
    _xor(tmp_path, 0.8, 0.4, 0.95)
    assert cs.check_b6_xor(results_at(tmp_path)).verdict == "supported"
    _xor(tmp_path, 0.2, 0.6, 0.5)
    assert cs.check_b6_xor(results_at(tmp_path)).verdict == "refuted"
    _xor(tmp_path, 0.3, 0.3, 1.0)
    assert cs.check_b6_xor(results_at(tmp_path)).verdict == "qualified"


def _tanh_json(root: Path, diff: float, fy: float, fx: float) -> None:
    _write(
        root,
        cs.TANH_JSON,
        {
            "max_abs_diff_from_y_vs_autograd": diff,
            "numel": 10,
            "repeats": 3,
            "time_from_output_1_minus_y2_median_s": fy,
            "time_from_input_1_minus_tanh2_median_s": fx,
            "time_from_input_sech2_median_s": fx,
            "time_autograd_tanh_backward_median_s": fy,
            "torch_tanh_saves_result": True,
        },
    )


def test_b8_flips(tmp_path: Path) -> None:
    _tanh_json(tmp_path, 1e-16, 1.0, 2.0)
    assert cs.check_b8_tanh_output(results_at(tmp_path)).verdict == "supported"
    _tanh_json(tmp_path, 1e-16, 3.0, 2.0)
    assert cs.check_b8_tanh_output(results_at(tmp_path)).verdict == "qualified"
    _tanh_json(tmp_path, 0.1, 1.0, 2.0)
    assert cs.check_b8_tanh_output(results_at(tmp_path)).verdict == "refuted"


def test_b11_flips(tmp_path: Path) -> None:
    row = {
        "depth": 4,
        "seed": 0,
        "additivity_residual": 1e-16,
        "homogeneity_residual": 1e-16,
        "product_residual": 1e-16,
        "rank": 8,
        "min_width": 8,
    }
    _write(tmp_path, cs.LINEAR, pd.DataFrame([row]))
    assert cs.check_b11_linear(results_at(tmp_path)).verdict == "supported"
    _write(tmp_path, cs.LINEAR, pd.DataFrame([{**row, "additivity_residual": 0.3}]))
    assert cs.check_b11_linear(results_at(tmp_path)).verdict == "refuted"


def _summary(root: Path, relu_he: float, sig_he: float, tanh: float = 0.0) -> None:
    rows = []
    for act, init, v in (
        ("relu", "he", relu_he),
        ("relu", "zeros", math.nan),
        ("sigmoid", "he", sig_he),
        ("tanh", "he", tanh),
        ("sigmoid", "xavier", -20.0),
        ("tanh", "xavier", tanh),
    ):
        rows += [
            {
                "activation": act,
                "init": init,
                "depth": 50,
                "seed": s,
                "log10_ratio": v,
                "log10_delta_ratio": v,
            }
            for s in range(3)
        ]
    _write(root, cs.PROBE_SUMMARY, pd.DataFrame(rows))


def _zero_init(root: Path, h: float) -> None:
    rows = [
        {
            "activation": "relu",
            "seed": 0,
            "step": t,
            "hidden_abs_max": h,
            "hidden_grad_abs_max": h,
            "hidden_spread": 0.0,
        }
        for t in range(3)
    ]
    _write(root, cs.ZERO_INIT, pd.DataFrame(rows))


def test_b12_flips(tmp_path: Path) -> None:
    _zero_init(tmp_path, 0.0)
    _summary(tmp_path, relu_he=0.1, sig_he=-20.0)
    assert cs.check_b12_zero_init(results_at(tmp_path)).verdict == "supported"
    _summary(tmp_path, relu_he=0.1, sig_he=0.1)  # he fixes every activation
    assert cs.check_b12_zero_init(results_at(tmp_path)).verdict == "qualified"
    _zero_init(tmp_path, 0.5)
    assert cs.check_b12_zero_init(results_at(tmp_path)).verdict == "refuted"


def _backprop(root: Path, rel: float, grad: float) -> None:
    _write(root, cs.COMPARE, pd.DataFrame([{"activation": "tanh", "depth": 2, "rel_diff": rel}]))
    _write(
        root,
        cs.NEVER_FIRE,
        pd.DataFrame(
            [
                {
                    "seed": 0,
                    "step": t,
                    "unit_grad_abs_max": grad,
                    "unit_pre_max": -90.0,
                    "other_units_grad_abs_max": 0.1,
                }
                for t in range(3)
            ]
        ),
    )


def test_b13_flips(tmp_path: Path) -> None:
    _backprop(tmp_path, 1e-16, 0.0)
    assert cs.check_b13_manual_backprop(results_at(tmp_path)).verdict == "supported"
    _backprop(tmp_path, 1e-16, 0.01)
    assert cs.check_b13_manual_backprop(results_at(tmp_path)).verdict == "qualified"
    _backprop(tmp_path, 0.5, 0.01)
    assert cs.check_b13_manual_backprop(results_at(tmp_path)).verdict == "refuted"


def _curves(root: Path, spec: dict[float, tuple[float, float, float]]) -> None:
    """spec: lr -> (decay speed, final loss, relative wobble in the tail)."""
    rows = []
    for lr, (speed, final, wobble) in spec.items():
        for seed in range(3):
            for step in range(0, 101, 5):
                base = 2.0 * math.exp(-step * speed) + final
                wob = wobble * (1 if (step // 5) % 2 else -0.5)
                rows.append({"lr": lr, "seed": seed, "step": step, "train_loss": base * (1 + wob)})
    _write(root, cs.LR_SWEEP, pd.DataFrame(rows))


def test_c1_flips(tmp_path: Path) -> None:
    # the largest rate is fastest but noisy and ends high; the smallest is slow
    _curves(tmp_path, {0.001: (0.001, 1.0, 0), 0.1: (0.1, 0.01, 0), 1.0: (1.0, 0.2, 0.8)})
    assert cs.check_c1_lr(results_at(tmp_path)).verdict == "supported"
    # a middle rate is fastest: qualified
    _curves(tmp_path, {0.001: (0.001, 1.0, 0), 0.1: (0.5, 0.01, 0), 1.0: (0.2, 0.2, 0.8)})
    assert cs.check_c1_lr(results_at(tmp_path)).verdict == "qualified"
    # all rates equally good and smooth
    _curves(tmp_path, {0.1: (0.3, 0.01, 0), 0.2: (0.3, 0.01, 0), 0.3: (0.3, 0.01, 0)})
    assert cs.check_c1_lr(results_at(tmp_path)).verdict == "refuted"


def test_c2_flips(tmp_path: Path) -> None:
    def write(frac: float) -> None:
        rows = [
            {
                "dtype": dt,
                "init": "xavier",
                "depth": 10,
                "seed": s,
                "underflow_frac": frac if dt == "float16" else 0.0,
            }
            for dt in ("float16", "float64")
            for s in range(2)
        ]
        _write(tmp_path, cs.UNDERFLOW, pd.DataFrame(rows))

    write(0.9)
    assert cs.check_c2_underflow(results_at(tmp_path)).verdict == "supported"
    write(0.1)
    r = results_at(tmp_path)
    assert cs.check_c2_underflow(r).verdict == "refuted"


def _facts(root: Path, inside: float) -> None:
    _write(
        root,
        cs.FACTS,
        {
            "normal_inside_unit_mc": inside,
            "normal_inside_unit_exact": 0.68,
            "normal_n_samples": 100,
            "tanh_identity_max_abs_error": 1e-16,
            "tanh_identity_grid": "g",
            "autograd_derivative_at_0_relu": 0.0,
            "autograd_derivative_at_0_leaky_relu": 0.01,
            "autograd_derivative_at_0_abs": 0.0,
            "torch_version": "x",
        },
    )


def test_c4_flips(tmp_path: Path) -> None:
    def net(first: float) -> None:
        rows = [
            {
                "seed": s,
                "layer": layer,
                "hidden": layer < 3,
                "grad_norm": first if layer == 1 else 1.0,
                "sigmoid_deriv_mean": 0.05,
            }
            for s in range(3)
            for layer in (1, 2, 3)
        ]
        _write(tmp_path, cs.SIGMOID_2L, pd.DataFrame(rows))

    _facts(tmp_path, 0.683)
    net(0.3)
    assert cs.check_c4_unit_interval(results_at(tmp_path)).verdict == "qualified"
    net(3.0)
    assert cs.check_c4_unit_interval(results_at(tmp_path)).verdict == "refuted"
    _facts(tmp_path, 1.0)
    net(0.01)
    assert cs.check_c4_unit_interval(results_at(tmp_path)).verdict == "supported"


def test_c6_flips(tmp_path: Path) -> None:
    _facts(tmp_path, 0.68)
    _summary(tmp_path, relu_he=0.0, sig_he=-20.0, tanh=-5.0)
    assert cs.check_c6_tanh_sigmoid(results_at(tmp_path)).verdict == "supported"
    _summary(tmp_path, relu_he=0.0, sig_he=-20.0, tanh=0.0)
    assert cs.check_c6_tanh_sigmoid(results_at(tmp_path)).verdict == "refuted"


def _leaky(root: Path, dead: float, acc_hi: float) -> None:
    rows = []
    for slope in (0.0, 0.01, 0.2, 0.3):
        for seed in range(3):
            for phase in ("init", "final"):
                rows.append(
                    {
                        "slope": slope,
                        "seed": seed,
                        "phase": phase,
                        "dead_frac": dead if slope == 0 else 0.0,
                        "test_accuracy": (acc_hi if slope >= 0.2 else 0.9) + 0.001 * seed,
                    }
                )
    _write(root, cs.LEAKY, pd.DataFrame(rows))


def test_c7_flips(tmp_path: Path) -> None:
    _facts(tmp_path, 0.68)
    _leaky(tmp_path, 0.05, 0.9)
    assert cs.check_c7_relu_at_zero(results_at(tmp_path)).verdict == "supported"
    _leaky(tmp_path, 0.0, 0.9)
    assert cs.check_c7_relu_at_zero(results_at(tmp_path)).verdict == "qualified"


def test_c8_flips(tmp_path: Path) -> None:
    def defaults(values: list[float]) -> None:
        ds = [
            {
                "framework": f"F{i}",
                "default": v,
                "source": "s",
                "counted": True,
                "in_0.2_0.3": 0.2 <= v <= 0.3,
            }
            for i, v in enumerate(values)
        ]
        _write(tmp_path, cs.LEAKY_DEFAULTS, {"defaults": ds})

    _leaky(tmp_path, 0.0, 0.95)
    defaults([0.2, 0.3, 0.25])
    assert cs.check_c8_leaky_slope(results_at(tmp_path)).verdict == "supported"
    defaults([0.01, 0.2])
    assert cs.check_c8_leaky_slope(results_at(tmp_path)).verdict == "qualified"
    defaults([0.01, 0.01])
    assert cs.check_c8_leaky_slope(results_at(tmp_path)).verdict == "refuted"


def test_e5_flips(tmp_path: Path) -> None:
    def write(fracs: list[float]) -> None:
        rows = [
            {"width": 2, "depth": d, "seed": s, "born_dead": s < f * 100}
            for d, f in zip((1, 10, 50), fracs, strict=True)
            for s in range(100)
        ]
        _write(tmp_path, cs.BORN_DEAD, pd.DataFrame(rows))

    write([0.0, 0.5, 1.0])
    assert cs.check_e5_born_dead(results_at(tmp_path)).verdict == "supported"
    write([0.1, 0.2, 0.1])
    assert cs.check_e5_born_dead(results_at(tmp_path)).verdict == "refuted"


def test_wilson_contains_rate() -> None:
    lo, hi = cs.wilson(30, 200)
    assert lo < 0.15 < hi and 0 <= lo and hi <= 1
    assert np.isclose(cs.z_two(pd.Series([1.0] * 5), pd.Series([1.0] * 5)), 0.0)
